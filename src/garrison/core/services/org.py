"""Writes to the organisation: units, people, roles and RACI responsibilities."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import audit, notification_kinds
from garrison.core.models import (
    ApiToken,
    EmploymentStatus,
    OrgUnit,
    Person,
    Responsibility,
    RoleAssignment,
)
from garrison.core.models.audit import AuditAction
from garrison.core.models.org import Raci
from garrison.core.models.roles import ROLE_LABELS
from garrison.core.roles import MFA_REQUIRED_ROLES, Role
from garrison.core.scoping import forget_grants
from garrison.core.services import notifications
from garrison.core.services.identity import ensure_may_change_account
from garrison.core.services.records import create_record, delete_record, update_record


@transaction.atomic
def create_unit(
    *, by: Any, name: str, code: str, kind: str, parent: OrgUnit | None = None, **fields: Any
) -> OrgUnit:
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent, path=f"/new-{uuid.uuid4().hex}/", **fields)
    unit.full_clean()
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit.record(unit, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(unit)))
    return unit


@transaction.atomic
def update_unit(unit: OrgUnit, *, by: Any, reason: str = "", **fields: Any) -> OrgUnit:
    """Change a unit; moving it under a new parent moves its whole subtree."""
    new_parent = fields.get("parent", unit.parent)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(
            {"parent": _("A unit cannot be moved under itself or one of its own sub-units.")}
        )
    old_path, old_depth = unit.path, unit.depth
    update_record(unit, by=by, reason=reason, **fields)
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    if new_path != old_path:
        depth_change = (new_parent.depth + 1 if new_parent else 0) - old_depth
        OrgUnit.objects.filter(path__startswith=old_path).update(
            path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
            depth=models.F("depth") + depth_change,
        )
        unit.refresh_from_db(fields=["path", "depth"])
    return unit


@transaction.atomic
def create_person(
    *, by: Any, username: str, full_name: str, unit: OrgUnit, password: str | None = None, **fields: Any
) -> Person:
    person = Person(username=username, full_name=full_name, unit=unit, **fields)
    if password:
        validate_password(password, person)
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean()
    person.save()
    audit.record(person, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(person)))
    return person


def update_person(person: Person, *, by: Any, reason: str = "", **fields: Any) -> Person:
    """Change a person's record; refused for people holding roles beyond the actor's units."""
    ensure_may_change_account(person, by=by)
    if "manager" in fields and fields["manager"] is not None and fields["manager"].pk == person.pk:
        raise ValidationError({"manager": _("A person cannot be their own manager.")})
    if fields.get("employment_status", person.employment_status) != person.employment_status:
        status = fields.pop("employment_status")
        with transaction.atomic():
            update_record(person, by=by, reason=reason, **fields)
            return set_employment_status(person, status, by=by, reason=reason)
    return update_record(person, by=by, reason=reason, **fields)


@transaction.atomic
def set_employment_status(person: Person, status: str, *, by: Any, reason: str = "") -> Person:
    """Active, on leave or left. Someone who left loses their API tokens and sessions."""
    ensure_may_change_account(person, by=by)
    update_record(person, by=by, reason=reason, employment_status=status)
    if status == EmploymentStatus.LEFT:
        now = timezone.now()
        for token in ApiToken.objects.filter(person=person, revoked_at__isnull=True):
            update_record(token, by=by, reason=_("Person left the organisation"), revoked_at=now)
        _end_sessions_of(person)
    return person


def _end_sessions_of(person: Person) -> None:
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(person.pk):
            session.delete()


@transaction.atomic
def set_password(person: Person, password: str, *, by: Any) -> Person:
    ensure_may_change_account(person, by=by)
    validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    audit.record(person, AuditAction.UPDATE, by=by, changes={"password": ["[redacted]", "[redacted]"]})
    return person


def assign_role(person: Person, role: str, unit: OrgUnit, *, by: Any, note: str = "") -> RoleAssignment:
    """Grant `role` on `unit`'s subtree.

    A role that requires a second factor, granted to someone without one, ends their
    sessions: the second factor is asked at login, so their next request logs in again
    and enrols before it gets the new role's reach.
    """
    with transaction.atomic():
        assignment = create_record(
            RoleAssignment,
            by=by,
            person=person,
            role=role,
            unit=unit,
            note=note,
            granted_by=by if by else None,
        )
        notifications.notify(
            person,
            notification_kinds.ROLE_GRANTED.code,
            title=format_lazy(
                gettext_lazy("You were granted the role {role} on {unit}"),
                role=ROLE_LABELS[Role(role)],
                unit=unit.name,
            ),
            target=assignment,
        )
        if Role(role) in MFA_REQUIRED_ROLES and not person.has_mfa:
            _end_sessions_of(person)
    forget_grants(person)
    return assignment


def revoke_role(assignment: RoleAssignment, *, by: Any, reason: str = "") -> None:
    delete_record(assignment, by=by, reason=reason)
    forget_grants(assignment.person)


def owning_unit(obj: models.Model) -> OrgUnit:
    """The unit that owns `obj` for scoping, following its model's scope declaration."""
    if isinstance(obj, OrgUnit):
        return obj
    lookup = getattr(type(obj).scope, "unit_path", None)  # type: ignore[attr-defined]
    if not lookup or not lookup.endswith("__path"):
        raise ValidationError(_("This kind of object has no owning unit."))
    target: Any = obj
    for part in lookup.split("__")[:-1]:
        target = getattr(target, part)
    return target


def domain_of(obj: models.Model) -> str:
    """The product area `obj` belongs to, as its model's scope declares."""
    return str(type(obj).scope.domain)  # type: ignore[attr-defined]


def assign_responsibility(
    target: models.Model,
    raci: str,
    *,
    by: Any,
    person: Person | None = None,
    assignee_unit: OrgUnit | None = None,
    note: str = "",
) -> Responsibility:
    if (person is None) == (assignee_unit is None):
        raise ValidationError(_("Assign a responsibility to exactly one person or one unit."))
    with transaction.atomic():
        responsibility = create_record(
            Responsibility,
            by=by,
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            raci=raci,
            person=person,
            assignee_unit=assignee_unit,
            unit=owning_unit(target),
            domain=domain_of(target),
            note=note,
        )
        if person is not None:
            notifications.notify(
                person,
                notification_kinds.RESPONSIBILITY_ASSIGNED.code,
                title=format_lazy(
                    gettext_lazy("You are now {raci} for {target}"),
                    raci=Raci(raci).label,
                    target=str(target),
                ),
                body=note,
                link=getattr(target, "get_absolute_url", lambda: "")(),
                target=target,
            )
    return responsibility


def remove_responsibility(responsibility: Responsibility, *, by: Any, reason: str = "") -> None:
    delete_record(responsibility, by=by, reason=reason)
