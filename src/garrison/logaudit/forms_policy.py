"""The form of the log-audit policy page. The bounds are checked again by the service,
which words the refusal of a retention under six months."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from garrison.logaudit.models import LogAuditPolicy
from garrison.logaudit.services.policy import MAX_ESCALATION_HOURS, MAX_SAMPLES, POLICY_FIELDS
from garrison.web.forms import StyledFormMixin, reason_field

WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)


class PolicyForm(StyledFormMixin, forms.Form):
    """The weekly audit day, escalation delay, log retention and samples per finding."""

    audit_weekday = forms.TypedChoiceField(
        label=_("Weekly audit day"),
        choices=WEEKDAYS,
        coerce=int,
        help_text=_("The audits run early that day over the seven days before it."),
    )
    escalation_hours = forms.IntegerField(
        label=_("Escalate unsigned reports after (hours)"),
        min_value=1,
        max_value=MAX_ESCALATION_HOURS,
        help_text=_("A weekly report still unsigned this many hours after its audit is escalated."),
    )
    # No lower bound here: the service refuses under 180 days with the reason.
    retention_days = forms.IntegerField(
        label=_("Keep logs for (days)"),
        help_text=_("At least 180 days: network logs are kept no less than six months."),
    )
    samples_per_finding = forms.IntegerField(
        label=_("Sample events kept per finding"),
        min_value=1,
        max_value=MAX_SAMPLES,
        help_text=_("Every match stays in the report's download; the finding's page shows this many."),
    )
    reason = reason_field()

    @staticmethod
    def initial_from(policy: LogAuditPolicy) -> dict[str, Any]:
        return {name: getattr(policy, name) for name in POLICY_FIELDS}
