"""Emergency contacts and the on-duty escalation chain, kept for the whole organisation.

Everyone who works on incidents reads them; Security Officers and Administrators of the
whole organisation change them. The reporting deadline job reads `escalation_chain()`:
each active step names a person told when a deadline has passed by `after_minutes`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import can, is_system
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import EmergencyContact, EscalationStep
from garrison.incidents.services.playbooks import check_fields, require_library_add, require_library_change

CONTACT_FIELDS = frozenset({"name", "organisation", "role", "kind", "phone", "email", "notes", "is_active"})
STEP_FIELDS = frozenset({"level", "person", "after_minutes", "contact_note", "is_active"})


# Emergency contacts ----------------------------------------------------------------------------


def _check_contact(fields: dict[str, Any]) -> None:
    phone, email = fields.get("phone"), fields.get("email")
    if "phone" in fields and "email" in fields and not (phone or "").strip() and not (email or "").strip():
        raise ValidationError({"phone": [_("Give a telephone number or an e-mail address.")]})


@transaction.atomic
def create_contact(*, by: Any, reason: str = "", **fields: Any) -> EmergencyContact:
    check_fields(fields, CONTACT_FIELDS, "create_contact")
    require_library_add(by)
    _check_contact({"phone": "", "email": "", **fields})
    return create_record(EmergencyContact, by=by, reason=reason, **fields)


@transaction.atomic
def update_contact(
    contact: EmergencyContact, *, by: Any, reason: str = "", **fields: Any
) -> EmergencyContact:
    check_fields(fields, CONTACT_FIELDS, "update_contact")
    require_library_change(by, contact)
    _check_contact({"phone": contact.phone, "email": contact.email, **fields})
    return update_record(contact, by=by, reason=reason, **fields)


@transaction.atomic
def delete_contact(contact: EmergencyContact, *, by: Any, reason: str = "") -> None:
    require_library_change(by, contact, Action.DELETE)
    delete_record(contact, by=by, reason=reason)


# Escalation chain ------------------------------------------------------------------------------


def _check_person(person: Any, *, by: Any) -> None:
    if not isinstance(person, Person):
        raise ValidationError({"person": [_("Choose the person to escalate to.")]})
    if not person.is_active:
        raise ValidationError(
            {"person": [_("%(person)s has left; choose an active person.") % {"person": person}]}
        )
    if not is_system(by) and not can(by, Action.VIEW, person):
        raise ValidationError({"person": [_("Person not found.")]})


@transaction.atomic
def create_escalation_step(*, by: Any, reason: str = "", **fields: Any) -> EscalationStep:
    check_fields(fields, STEP_FIELDS, "create_escalation_step")
    require_library_add(by)
    _check_person(fields.get("person"), by=by)
    return create_record(EscalationStep, by=by, reason=reason, **fields)


@transaction.atomic
def update_escalation_step(
    step: EscalationStep, *, by: Any, reason: str = "", **fields: Any
) -> EscalationStep:
    check_fields(fields, STEP_FIELDS, "update_escalation_step")
    require_library_change(by, step)
    if "person" in fields and fields["person"] is not None and fields["person"].pk != step.person_id:
        _check_person(fields["person"], by=by)
    return update_record(step, by=by, reason=reason, **fields)


@transaction.atomic
def delete_escalation_step(step: EscalationStep, *, by: Any, reason: str = "") -> None:
    require_library_change(by, step, Action.DELETE)
    delete_record(step, by=by, reason=reason)


def escalation_chain() -> models.QuerySet[EscalationStep]:
    """The active steps of the chain, lowest level and shortest delay first."""
    return (
        EscalationStep.objects.filter(is_active=True)
        .select_related("person")
        .order_by("level", "after_minutes", "pk")
    )
