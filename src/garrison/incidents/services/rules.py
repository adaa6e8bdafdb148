"""The reporting obligations the organisation adds itself (a telecom licensee's report
to the communications administration, a customer contract, a group policy).

Administrators keep them; each change recomputes the pending obligations of open
cases, so a new rule applies to the cases being handled, not only to later ones.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant_everywhere, is_system
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import CustomReportingRule, Grade

RULE_FIELDS = frozenset(
    {
        "name",
        "recipient",
        "minimum_grade",
        "deadline_hours",
        "only_with_personal_information_breach",
        "content",
        "basis",
        "is_active",
    }
)
# The longest deadline a rule may set: a year.
MAX_DEADLINE_HOURS = 24 * 366


def may_add_rule(person: Any) -> bool:
    return is_system(person) or has_grant_everywhere(person, Domain.ORGANISATION, Action.ADD)


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Only an Administrator keeps the organisation's reporting rules."))


def _check(fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "minimum_grade" in fields and fields["minimum_grade"] not in Grade.values:
        errors["minimum_grade"] = [_("Choose the grade from which the rule applies.")]
    hours = fields.get("deadline_hours")
    if hours is not None and not (isinstance(hours, int) and 0 <= hours <= MAX_DEADLINE_HOURS):
        errors["deadline_hours"] = [
            _("The deadline is a number of hours from 0 to %(max)s.") % {"max": MAX_DEADLINE_HOURS}
        ]
    if errors:
        raise ValidationError(errors)


def _recompute(by: Any) -> None:
    from garrison.incidents.services.obligations import recompute_open_cases

    recompute_open_cases(by=by)


@transaction.atomic
def create_rule(*, by: Any, reason: str = "", **fields: Any) -> CustomReportingRule:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise TypeError(f"create_rule() got unexpected fields {sorted(unknown)}")
    _refuse_unless(may_add_rule(by))
    _check(fields)
    rule = create_record(CustomReportingRule, by=by, reason=reason, **fields)
    _recompute(by)
    return rule


@transaction.atomic
def update_rule(
    rule: CustomReportingRule, *, by: Any, reason: str = "", **fields: Any
) -> CustomReportingRule:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise TypeError(f"update_rule() got unexpected fields {sorted(unknown)}")
    _refuse_unless(is_system(by) or can(by, Action.CHANGE, rule))
    _check(fields)
    changed = [name for name, value in fields.items() if getattr(rule, name) != value]
    rule = update_record(rule, by=by, reason=reason, **fields)
    if changed:
        _recompute(by)
    return rule


@transaction.atomic
def delete_rule(rule: CustomReportingRule, *, by: Any, reason: str = "") -> None:
    """Remove a rule; its pending obligations on open cases become no longer required
    (those already submitted stay on record)."""
    _refuse_unless(is_system(by) or can(by, Action.DELETE, rule))
    delete_record(rule, by=by, reason=reason)
    _recompute(by)
