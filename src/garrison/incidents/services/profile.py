"""The organisation's reporting profile: its operator kind and the bodies it reports to.

One row (pk 1), created with defaults on first use. Only an Administrator changes it;
a change that moves the obligations (the operator kind, a body's name) recomputes the
pending obligations of every case still open.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import can, is_system
from garrison.core.services.records import update_record
from garrison.incidents import obligations as rules
from garrison.incidents.models import OperatorKind, ReportingProfile

PROFILE_FIELDS = frozenset(
    {
        "operator_kind",
        "reporting_unit_name",
        "cii_protection_department",
        "public_security_body",
        "cyberspace_affairs_body",
        "provincial_cyberspace_administration",
        "personal_information_authority",
    }
)
# Changing any of these changes what the rules derive.
RECOMPUTING_FIELDS = PROFILE_FIELDS - {"reporting_unit_name"}


def get_profile() -> ReportingProfile:
    """The profile (pk 1), created with the defaults ("other network operator") if missing."""
    profile, _created = ReportingProfile.objects.get_or_create(
        pk=1, defaults={"operator_kind": OperatorKind.OTHER_OPERATOR}
    )
    return profile


def recipient_names(profile: ReportingProfile) -> dict[str, str]:
    """Recipient keys of the rules → the names the profile gives them ("" when left blank)."""
    return {
        "cii_protection_department": profile.cii_protection_department,
        "public_security_body": profile.public_security_body,
        "cyberspace_affairs_body": profile.cyberspace_affairs_body,
        "provincial_cyberspace_administration": profile.provincial_cyberspace_administration,
        "personal_information_authority": profile.personal_information_authority,
    }


def generic_recipient_name(key: str) -> str:
    return _(rules.RECIPIENT_NAMES[key]) if key in rules.RECIPIENT_NAMES else key


def may_change_profile(person: Any) -> bool:
    return is_system(person) or can(person, Action.CHANGE, get_profile())


@transaction.atomic
def update_profile(*, by: Any, reason: str = "", **fields: Any) -> ReportingProfile:
    """Change the profile (Administrators); pending obligations of open cases follow."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"update_profile() got unexpected fields {sorted(unknown)}")
    profile = get_profile()
    if not may_change_profile(by):
        raise PermissionDenied(_("Only an Administrator changes the reporting profile."))
    if "operator_kind" in fields and fields["operator_kind"] not in OperatorKind.values:
        raise ValidationError({"operator_kind": [_("Choose an operator profile.")]})
    changed = {name for name, value in fields.items() if getattr(profile, name) != value}
    if not changed:
        return profile
    updated_by = by if getattr(by, "pk", None) is not None else None
    profile = update_record(profile, by=by, reason=reason, updated_by=updated_by, **fields)
    if changed & RECOMPUTING_FIELDS:
        from garrison.incidents.services.obligations import recompute_open_cases

        recompute_open_cases(by=by)
    return profile
