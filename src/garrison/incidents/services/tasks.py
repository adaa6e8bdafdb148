"""Tasks of a case: who does what by when.

A task's owner must be an active person the acting person can see; the owner is told
when someone else gives them the task. Completing sets `completed_at`; a task that is
done or cancelled is closed and cannot be completed or cancelled again. Every write is
checked before anything is saved and audited.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_zone
from garrison.core.scoping import can, is_system, require
from garrison.core.services import notifications
from garrison.core.services.records import create_record, update_record
from garrison.incidents import notifications_handling as kinds
from garrison.incidents.models import OPEN_TASK_STATUSES, Incident, IncidentTask, TaskStatus
from garrison.web.links import object_url

TASK_FIELDS = frozenset({"title", "description", "owner", "due_at", "status"})
# Statuses a caller sets through update_task; done and cancelled have their own verbs.
EDITABLE_STATUSES = frozenset(OPEN_TASK_STATUSES)


def _check_owner(owner: Any, *, by: Any) -> None:
    if not isinstance(owner, Person):
        raise ValidationError({"owner": [_("Choose the person who owns the task.")]})
    if not owner.is_active:
        message = _("%(person)s has left; choose an active person.") % {"person": owner}
        raise ValidationError({"owner": [message]})
    if not is_system(by) and not can(by, Action.VIEW, owner):
        raise ValidationError({"owner": [_("Person not found.")]})


def _check_due(due_at: Any) -> None:
    if isinstance(due_at, dt.datetime) and timezone.is_naive(due_at):
        raise ValidationError({"due_at": [_("Give the time with its time zone.")]})


def local_text(moment: dt.datetime | None, person: Person) -> str:
    """A moment as the person reads it: in their time zone, with the offset."""
    if moment is None:
        return "—"
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = organisation_zone()
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M %z")


def _tell_owner(task: IncidentTask, *, by: Any) -> None:
    """Tell the owner about a task someone else gave them (the e-mail leaves on commit)."""
    if getattr(by, "pk", None) == task.owner_id:
        return
    owner, incident = task.owner, task.incident
    with translation.override(notifications.language_of(owner)):
        title = _("Incident task for you: %(title)s") % {"title": task.title}
        body = _("%(incident)s: %(title)s. Due: %(due)s.") % {
            "incident": incident,
            "title": task.title,
            "due": local_text(task.due_at, owner),
        }
    notifications.notify(
        owner,
        kinds.TASK_ASSIGNED.code,
        title=title,
        body=body,
        link=object_url("incidents.incident", incident.pk) or "",
        target=task,
    )


@transaction.atomic
def create_task(
    incident: Incident,
    *,
    by: Any,
    title: str,
    owner: Person,
    due_at: dt.datetime | None = None,
    description: str = "",
    reason: str = "",
    playbook_step: Any = None,
) -> IncidentTask:
    """Give someone a task in the case, optionally due by a moment."""
    require(by, Action.CHANGE, incident)
    _check_owner(owner, by=by)
    _check_due(due_at)
    task = create_record(
        IncidentTask,
        by=by,
        reason=reason,
        incident=incident,
        title=title,
        description=description,
        owner=owner,
        due_at=due_at,
        playbook_step=playbook_step,
    )
    _tell_owner(task, by=by)
    return task


@transaction.atomic
def update_task(task: IncidentTask, *, by: Any, reason: str = "", **fields: Any) -> IncidentTask:
    """Change a task's title, description, owner, due time or open status (open, in
    progress); a new owner is told."""
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"update_task() got unexpected fields {sorted(unknown)}")
    require(by, Action.CHANGE, task)
    status = fields.get("status", task.status)
    if status != task.status and (status not in EDITABLE_STATUSES or task.status not in OPEN_TASK_STATUSES):
        raise ValidationError(
            {"status": [_("Complete or cancel a task with its own button; a closed task stays closed.")]}
        )
    new_owner = fields.get("owner")
    owner_changes = new_owner is not None and new_owner.pk != task.owner_id
    if owner_changes:
        _check_owner(new_owner, by=by)
    if "due_at" in fields:
        _check_due(fields["due_at"])
    task = update_record(task, by=by, reason=reason, **fields)
    if owner_changes:
        _tell_owner(task, by=by)
    return task


def _close(task: IncidentTask, status: str, *, by: Any, reason: str, now: dt.datetime | None) -> IncidentTask:
    # The owner completes their own task even without rights on the case (a colleague
    # asked to collect logs); cancelling, and anyone else, needs to be able to change the case.
    if status != TaskStatus.DONE or getattr(by, "pk", None) != task.owner_id:
        require(by, Action.CHANGE, task)
    if task.status not in OPEN_TASK_STATUSES:
        message = _("This task is already closed (%(status)s).") % {"status": task.get_status_display()}
        raise ValidationError({"status": [message]})
    fields: dict[str, Any] = {"status": status}
    if status == TaskStatus.DONE:
        fields["completed_at"] = now or timezone.now()
    return update_record(task, by=by, reason=reason, **fields)


@transaction.atomic
def complete_task(
    task: IncidentTask, *, by: Any, reason: str = "", now: dt.datetime | None = None
) -> IncidentTask:
    """Mark an open task done, now (or at `now`)."""
    return _close(task, TaskStatus.DONE, by=by, reason=reason, now=now)


@transaction.atomic
def cancel_task(task: IncidentTask, *, by: Any, reason: str = "") -> IncidentTask:
    """Drop an open task that is no longer needed."""
    return _close(task, TaskStatus.CANCELLED, by=by, reason=reason, now=None)


def overdue_tasks(now: dt.datetime) -> Any:
    """Open tasks whose due time has passed at `now`."""
    return IncidentTask.objects.filter(status__in=OPEN_TASK_STATUSES, due_at__lt=now)
