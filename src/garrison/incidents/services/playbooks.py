"""Playbooks: response templates per category whose steps become tasks of a case.

Playbooks are library data of the whole organisation: everyone who works on incidents
reads them, those who may change incident records over the whole organisation (Security
Officers and Administrators on the root) change them. Applying a playbook to a case
gives its handler one task per step, due the step's hours after the moment it is
applied; a playbook is applied to a case once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant_everywhere, is_system, require
from garrison.core.services import notifications
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import Incident, IncidentTask, Playbook, PlaybookStep
from garrison.incidents.services.tasks import create_task
from garrison.library.text import localised

PLAYBOOK_FIELDS = frozenset({"name", "name_zh", "description", "category", "is_active"})
STEP_FIELDS = frozenset({"order", "title", "title_zh", "description", "due_after_hours"})
LIBRARY_REFUSAL = gettext_lazy("Only Security Officers and Administrators of the whole organisation do this.")


# Who may change the library --------------------------------------------------------------------


def may_add_playbooks(person: Any) -> bool:
    """Whether `person` may add playbooks (and contacts): incident rights over every tree."""
    return is_system(person) or has_grant_everywhere(person, Domain.INCIDENTS, Action.ADD)


def require_library_add(by: Any) -> None:
    if not may_add_playbooks(by):
        raise PermissionDenied(LIBRARY_REFUSAL)


def require_library_change(by: Any, obj: models.Model, action: Action = Action.CHANGE) -> None:
    if not is_system(by) and not can(by, action, obj):
        raise PermissionDenied(LIBRARY_REFUSAL)


def check_fields(fields: dict[str, Any], allowed: frozenset[str], name: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{name}() got unexpected fields {sorted(unknown)}")


# Playbooks -------------------------------------------------------------------------------------


@transaction.atomic
def create_playbook(*, by: Any, reason: str = "", **fields: Any) -> Playbook:
    check_fields(fields, PLAYBOOK_FIELDS, "create_playbook")
    require_library_add(by)
    return create_record(Playbook, by=by, reason=reason, **fields)


@transaction.atomic
def update_playbook(playbook: Playbook, *, by: Any, reason: str = "", **fields: Any) -> Playbook:
    check_fields(fields, PLAYBOOK_FIELDS, "update_playbook")
    require_library_change(by, playbook)
    return update_record(playbook, by=by, reason=reason, **fields)


def applied_count(playbook: Playbook) -> int:
    """The cases the playbook has been applied to."""
    return IncidentTask.objects.filter(playbook_step__playbook=playbook).values("incident").distinct().count()


@transaction.atomic
def delete_playbook(playbook: Playbook, *, by: Any, reason: str = "") -> None:
    """Delete a playbook never applied; one that was is kept (mark it inactive instead)."""
    require_library_change(by, playbook, Action.DELETE)
    if applied_count(playbook):
        raise ValidationError(_("This playbook was applied to cases; mark it inactive instead."))
    for step in playbook.steps.all():
        delete_record(step, by=by, reason=reason)
    delete_record(playbook, by=by, reason=reason)


# Steps -----------------------------------------------------------------------------------------


@transaction.atomic
def add_step(playbook: Playbook, *, by: Any, reason: str = "", **fields: Any) -> PlaybookStep:
    check_fields(fields, STEP_FIELDS, "add_step")
    require_library_change(by, playbook)
    if "order" not in fields:
        last = playbook.steps.aggregate(last=models.Max("order"))["last"]
        fields["order"] = 1 if last is None else last + 1
    return create_record(PlaybookStep, by=by, reason=reason, playbook=playbook, **fields)


@transaction.atomic
def update_step(step: PlaybookStep, *, by: Any, reason: str = "", **fields: Any) -> PlaybookStep:
    check_fields(fields, STEP_FIELDS, "update_step")
    require_library_change(by, step)
    return update_record(step, by=by, reason=reason, **fields)


@transaction.atomic
def delete_step(step: PlaybookStep, *, by: Any, reason: str = "") -> None:
    """Remove a step; tasks it already created stay with their cases."""
    require_library_change(by, step)
    delete_record(step, by=by, reason=reason)


# Applying --------------------------------------------------------------------------------------


def suggested_playbooks(incident: Incident) -> models.QuerySet[Playbook]:
    """Active playbooks for the case's category or sub-category, or for any category."""
    categories = [pk for pk in (incident.category_id, incident.subcategory_id) if pk is not None]
    return (
        Playbook.objects.filter(is_active=True)
        .filter(models.Q(category__isnull=True) | models.Q(category_id__in=categories))
        .select_related("category")
        .order_by("name", "pk")
    )


def is_applied(incident: Incident, playbook: Playbook) -> bool:
    return IncidentTask.objects.filter(incident=incident, playbook_step__playbook=playbook).exists()


@transaction.atomic
def apply_playbook(
    incident: Incident, playbook: Playbook, *, by: Any, now: dt.datetime | None = None
) -> list[IncidentTask]:
    """Give the case's handler one task per step of `playbook`, each due the step's hours
    after `now`; refused for an inactive playbook, one without steps, or one already applied."""
    require(by, Action.CHANGE, incident)
    errors: list[str] = []
    if not playbook.is_active:
        errors.append(_("This playbook is inactive."))
    steps = list(playbook.steps.order_by("order", "pk"))
    if not steps:
        errors.append(_("This playbook has no steps."))
    # Locking the case makes two simultaneous applications wait for each other.
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if is_applied(incident, playbook):
        errors.append(_("This playbook is already applied to the case."))
    if errors:
        raise ValidationError({"playbook": errors})
    moment = now or timezone.now()
    handler = incident.handler
    tasks = []
    with translation.override(notifications.language_of(handler)):
        titles = [localised(step, "title") for step in steps]
    for step, title in zip(steps, titles, strict=True):
        tasks.append(
            create_task(
                incident,
                by=by,
                title=title,
                owner=handler,
                due_at=moment + dt.timedelta(hours=step.due_after_hours),
                description=step.description,
                playbook_step=step,
                reason=_("Playbook %(name)s") % {"name": playbook.name},
            )
        )
    return tasks


def playbooks_applied(incident: Incident) -> Iterable[int]:
    """Ids of the playbooks already applied to the case."""
    return set(
        IncidentTask.objects.filter(incident=incident, playbook_step__isnull=False)
        .values_list("playbook_step__playbook_id", flat=True)
        .distinct()
    )
