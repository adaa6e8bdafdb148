"""Helpers shared by the sourcing services: `sourcing` (events, criteria, invitations,
bids and the workflow steps) and `evaluation` (who sees bids, evaluators, declarations
and scores). Collecting validation errors, the labels written on the timeline and the
timeline's steps themselves live here so that neither module imports the other's helpers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from garrison.core import audit
from garrison.core.models import Person
from garrison.suppliers.models import SourcingEvent, SourcingStep

Errors = dict[str, list[str]]


def add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def raise_errors(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %z")


def acting_person(by: Any) -> Person | None:
    return by if isinstance(by, Person) else None


def status_label(event: SourcingEvent) -> str:
    return str(event.get_status_display()).lower()


def step(event: SourcingEvent, kind: str, description: str, *, by: Any) -> SourcingStep:
    """Write one step on the event's timeline, traced to `by`."""
    actor = acting_person(by)
    label = str(actor) if actor is not None else by if isinstance(by, str) else audit.SYSTEM_ACTOR
    return SourcingStep.objects.create(
        event=event,
        kind=kind,
        description=description,
        actor=actor,
        actor_label=label[:200],
        at=timezone.now(),
    )


def check_state(event: SourcingEvent, allowed: Sequence[str], message: str, errors: Errors) -> None:
    if event.status not in allowed:
        add(errors, NON_FIELD_ERRORS, message % {"status": status_label(event)})


def amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None
