"""The vulnerability policy: SLA days per severity and the coverage periods, read by
imports and findings, changed by whoever may change vulnerability records everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.vulns.models import Severity, VulnerabilityPolicy


def current_policy() -> VulnerabilityPolicy:
    """The organisation's policy (migration 0002 creates it; recreated with the defaults if
    someone removed it)."""
    policy = VulnerabilityPolicy.objects.order_by("pk").first()
    return policy if policy is not None else VulnerabilityPolicy.objects.create()


def sla_days(policy: VulnerabilityPolicy | None = None) -> dict[int, int]:
    """Days to fix per severity number; informational findings have no SLA."""
    policy = policy or current_policy()
    return {
        Severity.CRITICAL: policy.critical_days,
        Severity.HIGH: policy.high_days,
        Severity.MEDIUM: policy.medium_days,
        Severity.LOW: policy.low_days,
    }


SLA_FIELDS = ("critical_days", "high_days", "medium_days", "low_days")
POLICY_FIELDS = frozenset({*SLA_FIELDS, "scan_window_days", "penetration_test_period_days"})
MIN_DAYS = 1
MAX_DAYS = 3650


@dataclass(frozen=True)
class PolicyChange:
    """A saved policy and how many open findings got a new due date from it."""

    policy: VulnerabilityPolicy
    findings_recomputed: int


def change_policy(policy: VulnerabilityPolicy, *, by: Any, reason: str = "", **fields: Any) -> PolicyChange:
    """Change the policy: each period a whole number of days from 1 to 3650. Needs the right
    to change vulnerability records over the whole organisation. When an SLA changes, the
    due dates of open findings follow it (counted from when each clock started), in the same
    transaction."""
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise TypeError(f"unexpected policy fields {sorted(unknown)}")
    require(by, Action.CHANGE, policy)
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, int) or not MIN_DAYS <= value <= MAX_DAYS:
            errors[name] = [
                _("Enter a whole number of days from %(low)d to %(high)d.")
                % {"low": MIN_DAYS, "high": MAX_DAYS}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = VulnerabilityPolicy.objects.select_for_update().get(pk=policy.pk)
        before = audit.snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        changes = audit.diff(before, audit.snapshot(locked))
        recomputed = 0
        if changes:
            locked.save()
            audit.record(locked, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
            if set(changes) & set(SLA_FIELDS):
                # Imported here: the findings services read this module for the SLA days.
                from garrison.vulns.services.findings import recompute_due_dates

                recomputed = recompute_due_dates(locked)
    for name in POLICY_FIELDS | {"updated_at"}:
        setattr(policy, name, getattr(locked, name))
    return PolicyChange(policy=policy, findings_recomputed=recomputed)


def update_policy(
    policy: VulnerabilityPolicy, *, by: Any, reason: str = "", **fields: Any
) -> VulnerabilityPolicy:
    """Change the policy (see `change_policy`); returns it saved."""
    return change_policy(policy, by=by, reason=reason, **fields).policy
