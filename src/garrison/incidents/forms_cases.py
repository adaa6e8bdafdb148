"""Forms of the incident case pages: the case, a workflow step with its reason, an
indicator, and the deletion.

Choices (units, assets, people) are scoped to what the acting person may see or use;
the services check again and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.incidents.models import Incident, IncidentCategory, Indicator
from garrison.incidents.services.cases import tag_names
from garrison.suppliers.models import Supplier
from garrison.web.forms import DateTimeInput, StyledFormMixin, UsernameChoiceField, reason_field, style_form


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class IncidentForm(StyledFormMixin, forms.ModelForm):
    """Record or change a case's facts (its status and grade change elsewhere)."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas; a new tag is created."),
    )
    suppliers = forms.ModelMultipleChoiceField(
        label=_("Affected suppliers"),
        queryset=Supplier.objects.none(),
        required=False,
        help_text=_("Suppliers in the register."),
    )
    affected_suppliers = forms.CharField(
        label=_("Other affected suppliers (not in the register)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One supplier name per line."),
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "category",
            "subcategory",
            "occurred_at",
            "discovered_at",
            "reported_by",
            "handler",
            "unit",
            "affected_units",
            "assets",
            "personal_information_people",
            "sensitive_personal_information",
            "personal_information_breach",
            "service_outage_minutes",
            "cii_full_outage_minutes",
            "cii_main_function_outage_minutes",
            "essential_services_people",
            "province_population_percent",
            "direct_loss_cny",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "occurred_at": DateTimeInput,
            "discovered_at": DateTimeInput,
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_create = self.instance.pk is None
        action = Action.ADD if self.is_create else Action.CHANGE
        categories = restrict(IncidentCategory.objects.all(), person, Action.VIEW)
        self._model_choice("category").queryset = categories.filter(parent__isnull=True)
        subcategory = self._model_choice("subcategory")
        subcategory.queryset = categories.filter(parent__isnull=False).select_related("parent")
        subcategory.help_text = _("Under the category chosen above (GB/T 20986-2023).")
        units = restrict(OrgUnit.objects.all(), person, Action.VIEW)
        reachable = [unit.pk for unit in units if has_grant(person, Domain.INCIDENTS, action, unit.path)]
        if not self.is_create:
            reachable.append(self.instance.unit_id)
        self._model_choice("unit").queryset = OrgUnit.objects.filter(pk__in=reachable)
        self._model_choice("affected_units").queryset = units
        self._model_choice("assets").queryset = restrict(Asset.objects.all(), person, Action.VIEW).order_by(
            "reference"
        )
        self._model_choice("suppliers").queryset = restrict(
            Supplier.objects.all(), person, Action.VIEW
        ).order_by("reference")
        people = restrict(Person.objects.all(), person, Action.VIEW)
        self.fields["handler"] = UsernameChoiceField(
            people, label=_("Handler"), help_text=_("The username of the person who works the case.")
        )
        self.fields["reported_by"] = UsernameChoiceField(
            people,
            label=_("Reported by"),
            required=False,
            help_text=_("The username of the person who reported it, if known."),
        )
        if self.is_create:
            self.initial.setdefault("handler", getattr(person, "username", ""))
        else:
            for name in ("handler", "reported_by"):
                chosen = getattr(self.instance, name)
                if chosen is not None and self.initial.get(name) == chosen.pk:
                    self.initial[name] = chosen.username
            self.initial["tags"] = ", ".join(tag_names(self.instance))
            self.initial["affected_suppliers"] = "\n".join(self.instance.affected_suppliers or [])
            self.initial["suppliers"] = list(self.instance.suppliers.values_list("pk", flat=True))
            self.fields["reason"] = reason_field()
        style_form(self)

    def _model_choice(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]

    def clean_suppliers(self) -> list[Supplier]:
        """The suppliers chosen, and those linked before that this person may not see
        (the choice cannot show them, and saving must not unlink them)."""
        chosen = list(self.cleaned_data["suppliers"])
        if self.is_create:
            return chosen
        offered = self._model_choice("suppliers").queryset
        assert offered is not None
        hidden = self.instance.suppliers.exclude(pk__in=offered.values("pk"))
        return chosen + list(hidden)

    def clean_affected_suppliers(self) -> list[str]:
        return _lines(self.cleaned_data["affected_suppliers"])

    def _post_clean(self) -> None:
        # The service validates the case whole (dates, categories, reach) and names the field.
        pass


class TransitionForm(StyledFormMixin, forms.Form):
    """The reason for a workflow step (required by some steps)."""

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, requires_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = requires_reason
        style_form(self)


class IndicatorForm(StyledFormMixin, forms.ModelForm):
    """An indicator of compromise seen in the case."""

    class Meta:
        model = Indicator
        fields = ["kind", "value", "description", "first_seen_at"]
        widgets = {"first_seen_at": DateTimeInput, "value": forms.TextInput}

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].help_text = _(
            "An IP address or network, a domain, a URL, a file hash (MD5, SHA-1, SHA-256 or SHA-512), "
            "an account or an e-mail address."
        )
        if self.instance.pk is not None:
            self.fields["reason"] = reason_field()
        style_form(self)

    def _post_clean(self) -> None:
        # The service checks and normalises the value for its kind.
        pass


class DeleteForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
