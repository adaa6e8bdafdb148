"""Forms of supplier access: starting an application, recording a stage with its evidence,
announcing the shortlist, lodging and resolving objections, deciding, and configuring a
path. The services check everything again and name the field they refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.models import (
    AccessPath,
    AccessPathConfig,
    AccessStage,
    DocumentKind,
    StageOutcome,
    Supplier,
)
from garrison.web.forms import StyledFormMixin, local_datetime_field, reason_field, style_form


class SupplierReferenceField(forms.ModelChoiceField):
    """A supplier picked by its reference (SUP-000001): a select of thousands would not
    load, and the queryset keeps the choice within what the person may change."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The supplier's reference, such as SUP-000001."))
        kwargs.setdefault(
            "error_messages", {"invalid_choice": _("No supplier with this reference that you may change.")}
        )
        super().__init__(queryset, to_field_name="reference", **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\x00", "").strip().upper()
        return super().to_python(value)


class ApplicationForm(StyledFormMixin, forms.Form):
    path = forms.ChoiceField(label=_("Access path"), choices=AccessPath.choices, initial=AccessPath.STANDARD)
    justification = forms.CharField(
        label=_("Why this path"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for express access: the urgent or low-value need."),
    )
    contract_value_cny = forms.DecimalField(
        label=_("Expected contract value (CNY)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text=_("Express access is limited to the configured value."),
    )
    reason = reason_field()

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suppliers = restrict(Supplier.objects.all(), person, Action.CHANGE)
        self.fields = {"supplier": SupplierReferenceField(suppliers, label=_("Supplier")), **self.fields}
        style_form(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the evidence of a stage)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class StageRecordForm(StyledFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=StageOutcome.choices, widget=forms.RadioSelect)
    score = forms.DecimalField(
        label=_("Score (0 to 100)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    notes = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the stage is failed."),
    )
    evidence_files = MultipleFileField(
        label=_("Evidence"),
        required=False,
        help_text=_("Reports, photos, test results; kept in the evidence store with the supplier."),
    )


class AnnounceForm(StyledFormMixin, forms.Form):
    publicity_days = forms.IntegerField(
        label=_("Publicity period (days)"),
        min_value=1,
        max_value=365,
        help_text=_("Objections may be lodged from now until the end of this period."),
    )


class ObjectionForm(StyledFormMixin, forms.Form):
    objector = forms.CharField(label=_("Lodged by"), max_length=300)
    contact = forms.CharField(label=_("Objector's contact"), max_length=300, required=False)
    grounds = forms.CharField(label=_("Grounds"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lodged_at"] = local_datetime_field(_("Lodged at"), required=False)
        self.fields["lodged_at"].help_text = _("Leave empty for now. In your time zone.")
        style_form(self)


class ResolveObjectionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=(
            ("dismissed", _("Dismiss: the shortlist stands")),
            ("upheld", _("Uphold: the application is to be rejected")),
        ),
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=_("Resolution"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(StyledFormMixin, forms.Form):
    """The reason of a decision (required to reject or withdraw)."""

    def __init__(self, *args: Any, requires_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field(required=requires_reason)
        style_form(self)


class AccessPathForm(StyledFormMixin, forms.Form):
    stages = forms.MultipleChoiceField(
        label=_("Stages"),
        choices=AccessStage.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Run in the order of the full chain; every path ends with the final selection."),
    )
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The supplier must hold each, unexpired, before approval."),
    )
    publicity_days = forms.IntegerField(label=_("Publicity period (days)"), min_value=0, max_value=365)
    full_review_days = forms.IntegerField(
        label=_("Days to complete the full review"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_(
            "Express access: after approval, a standard application must be approved within this time."
        ),
    )
    value_limit_cny = forms.DecimalField(
        label=_("Highest contract value (CNY)"), min_value=0, max_digits=16, decimal_places=2, required=False
    )
    reason = reason_field()

    def __init__(self, *args: Any, config: AccessPathConfig, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "stages": config.stages,
                "required_documents": config.required_documents,
                "publicity_days": config.publicity_days,
                "full_review_days": config.full_review_days,
                "value_limit_cny": config.value_limit_cny,
            },
        )
        super().__init__(*args, **kwargs)
        if config.path != AccessPath.EXPRESS:
            del self.fields["full_review_days"]
            del self.fields["value_limit_cny"]

    def clean_stages(self) -> list[str]:
        chosen = set(self.cleaned_data["stages"])
        # Checkboxes come back in the order of the chain whatever the browser sends.
        return [stage for stage in AccessStage.values if stage in chosen]

    def clean_required_documents(self) -> list[str]:
        chosen = set(self.cleaned_data["required_documents"])
        return [kind for kind in DocumentKind.values if kind in chosen]
