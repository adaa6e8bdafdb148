"""The log-audit policy: the day the weekly audits run, when unsigned reports escalate,
how long logs are kept and how many sample events a finding keeps. Read by the audits,
escalation and retention; changed by whoever may change log-audit records over the whole
organisation, with the change and its reason in the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services.records import update_record
from garrison.logaudit.models import MINIMUM_RETENTION_DAYS, LogAuditPolicy

POLICY_FIELDS = ("audit_weekday", "escalation_hours", "retention_days", "samples_per_finding")
MAX_ESCALATION_HOURS = 720  # thirty days
MAX_RETENTION_DAYS = 3650
MAX_SAMPLES = 500


def current_policy() -> LogAuditPolicy:
    """The organisation's policy (migration 0002 creates it; recreated with the defaults if
    someone removed it)."""
    policy = LogAuditPolicy.objects.order_by("pk").first()
    return policy if policy is not None else LogAuditPolicy.objects.create()


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def policy_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with the new values, field by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    weekday = fields.get("audit_weekday", 0)
    if not _whole_number(weekday) or not 0 <= weekday <= 6:
        errors["audit_weekday"] = [_("Choose a day of the week (0 is Monday, 6 is Sunday).")]
    hours = fields.get("escalation_hours", 1)
    if not _whole_number(hours) or not 1 <= hours <= MAX_ESCALATION_HOURS:
        errors["escalation_hours"] = [
            _("Enter a whole number of hours from 1 to %(most)d.") % {"most": MAX_ESCALATION_HOURS}
        ]
    days = fields.get("retention_days", MINIMUM_RETENTION_DAYS)
    if not _whole_number(days):
        errors["retention_days"] = [_("Enter a whole number of days.")]
    elif days < MINIMUM_RETENTION_DAYS:
        errors["retention_days"] = [
            _(
                "Logs are kept at least %(days)d days: the Cybersecurity Law asks that network logs "
                "are kept for no less than six months."
            )
            % {"days": MINIMUM_RETENTION_DAYS}
        ]
    elif days > MAX_RETENTION_DAYS:
        errors["retention_days"] = [_("Enter at most %(most)d days.") % {"most": MAX_RETENTION_DAYS}]
    samples = fields.get("samples_per_finding", 1)
    if not _whole_number(samples) or not 1 <= samples <= MAX_SAMPLES:
        errors["samples_per_finding"] = [
            _("Enter a whole number of sample events from 1 to %(most)d.") % {"most": MAX_SAMPLES}
        ]
    return errors


def change_policy(policy: LogAuditPolicy, *, by: Any, reason: str = "", **fields: Any) -> LogAuditPolicy:
    """Change some of the policy's values; needs the right to change log-audit records over
    the whole organisation. Retention under 180 days is refused (six months of network logs
    are a legal minimum). Records one audit event when something changed."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unexpected policy fields {sorted(unknown)}")
    require(by, Action.CHANGE, policy)
    errors = policy_errors(fields)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = LogAuditPolicy.objects.select_for_update().get(pk=policy.pk)
        update_record(locked, by=by, reason=(reason or "").strip(), **fields)
    for name in (*POLICY_FIELDS, "updated_at"):
        setattr(policy, name, getattr(locked, name))
    return policy
