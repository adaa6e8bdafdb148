"""Forms of suppressions: making one (what it applies to, which rule, why, until when, who
owns it) and revoking one (why)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import MAX_SUPPRESSION_DAYS
from garrison.web.forms import REASON_MAX_LENGTH, DateInput, StyledFormMixin, UsernameChoiceField


def suppression_units(person: Any) -> QuerySet[OrgUnit]:
    """Units in which the person may add log-audit records: where a suppression may apply."""
    visible = restrict(OrgUnit.objects.all(), person, Action.VIEW).values_list("pk", "path")
    allowed = [pk for pk, path in visible if has_grant(person, Domain.LOG_AUDIT, Action.ADD, path)]
    return OrgUnit.objects.filter(pk__in=allowed).order_by("path")


class AssetReferenceField(forms.ModelChoiceField):
    """An asset picked by its reference: a select of the whole inventory would not load,
    and the queryset keeps the choice within what the person may see."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("No asset with this reference.")})
        super().__init__(queryset, to_field_name="reference", **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()
        return super().to_python(value)


class SuppressionForm(StyledFormMixin, forms.Form):
    """A new suppression; the service checks that the fields fit its kind."""

    kind = forms.ChoiceField(label=_("Applies to"), choices=SuppressionKind.choices)
    unit = forms.ModelChoiceField(
        label=_("Site"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_(
            "For a site or account suppression: the organisational unit; it applies to its assets "
            "and those of the units below it."
        ),
    )
    asset = AssetReferenceField(
        Asset.objects.none(),
        label=_("Asset"),
        required=False,
        help_text=_("For an asset suppression, or an account on one asset: the asset's reference."),
    )
    account = forms.CharField(
        label=_("Account"),
        required=False,
        max_length=Suppression._meta.get_field("account").max_length,
        help_text=_("For an account suppression: the user name as the logs show it (exact, case-sensitive)."),
    )
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=DetectionRule.objects.none(),
        required=False,
        empty_label=_("Every rule"),
        help_text=_("Leave empty to keep the matches of every rule out."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why these matches are expected: a change ticket, a maintenance window, a service account."
        ),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DateInput,
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        kwargs.pop("instance", None)
        super().__init__(*args, **kwargs)
        self._choice("unit").queryset = suppression_units(person)
        self._choice("asset").queryset = restrict(Asset.objects.all(), person, Action.VIEW)
        self._choice("rule").queryset = restrict(DetectionRule.objects.all(), person, Action.VIEW).order_by(
            "title", "pk"
        )
        self.fields["expires_on"].help_text = gettext(
            "At most %(days)d days ahead; the owner is reminded a week before."
        ) % {"days": MAX_SUPPRESSION_DAYS}
        self.fields["owner"] = UsernameChoiceField(
            restrict(Person.objects.all(), person, Action.VIEW),
            label=_("Owner"),
            required=False,
            help_text=_(
                "The username of the person who answers for it and is reminded before it expires; "
                "you when left empty."
            ),
        )
        self.initial.setdefault("owner", getattr(person, "username", ""))
        self.order_fields(["kind", "unit", "asset", "account", "rule", "reason", "expires_on", "owner"])
        # The owner field was added after the mixin styled the others.
        self.fields["owner"].widget.attrs.setdefault("class", "form-control")

    def _choice(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    def clean_account(self) -> str:
        return str(self.cleaned_data.get("account") or "").replace("\x00", "").strip()

    def clean_reason(self) -> str:
        return str(self.cleaned_data.get("reason") or "").replace("\x00", "").strip()


class RevokeForm(StyledFormMixin, forms.Form):
    """Why a suppression ends before its date."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail; matches count as findings again from the next audit."),
    )

    def clean_reason(self) -> str:
        return str(self.cleaned_data.get("reason") or "").replace("\x00", "").strip()
