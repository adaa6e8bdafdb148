"""Forms of finding exceptions (asking, deciding) and of the vulnerability policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.core.scoping import restrict
from garrison.risks.models import RiskScenario
from garrison.vulns.models import ExceptionKind, VulnerabilityPolicy
from garrison.vulns.services.policy import MAX_DAYS, MIN_DAYS, POLICY_FIELDS
from garrison.web.forms import REASON_MAX_LENGTH, DateInput, StyledFormMixin, reason_field


class RiskReferenceField(forms.ModelChoiceField):
    """A risk scenario picked by its reference: a select of the whole register would not
    load, and the queryset keeps the choice within what the person may see."""

    widget = forms.TextInput

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("No risk scenario with this reference.")})
        super().__init__(queryset, to_field_name="reference", **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()
        return super().to_python(value)


class ExceptionRequestForm(StyledFormMixin, forms.Form):
    """Ask to accept a finding's risk until a date, or to call it a false positive."""

    kind = forms.ChoiceField(label=_("Exception"), choices=ExceptionKind.choices)
    justification = forms.CharField(
        label=_("Justification"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput,
        help_text=_(
            "For a risk acceptance: at most a year ahead; the finding is open again on this date. "
            "Leave empty for a false positive."
        ),
    )
    risk = RiskReferenceField(
        RiskScenario.objects.none(),
        label=_("Accepted risk"),
        required=False,
        help_text=_("Optional: the reference of the accepted risk scenario that covers this finding."),
    )

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["risk"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = restrict(RiskScenario.objects.all(), person)


class DecisionForm(StyledFormMixin, forms.Form):
    """The comment going with a decision on an exception (required to reject)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _days_field(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=MIN_DAYS, max_value=MAX_DAYS, help_text=help_text)


class PolicyForm(StyledFormMixin, forms.Form):
    """The SLA in days per severity, the scan window and the penetration-test period."""

    critical_days = _days_field(_("Critical findings fixed within (days)"))
    high_days = _days_field(_("High findings fixed within (days)"))
    medium_days = _days_field(_("Medium findings fixed within (days)"))
    low_days = _days_field(
        _("Low findings fixed within (days)"), _("Informational findings have no due date.")
    )
    scan_window_days = _days_field(
        _("Scan critical systems every (days)"),
        _("A critical information system not scanned for longer is reported on the coverage page."),
    )
    penetration_test_period_days = _days_field(
        _("Penetration-test critical systems every (days)"),
        _("A critical information system without a closed penetration test for longer is reported."),
    )
    reason = reason_field()

    @staticmethod
    def initial_from(policy: VulnerabilityPolicy) -> dict[str, Any]:
        return {name: getattr(policy, name) for name in POLICY_FIELDS}
