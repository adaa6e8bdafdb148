"""Tasks of a case: owners told when someone else assigns them, completion, cancelling,
refusals, and the daily reminder of overdue tasks (once per task per day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Notification, Person
from garrison.core.models.org import EmploymentStatus
from garrison.core.roles import Role
from garrison.core.scheduling import run_job
from garrison.incidents.models import IncidentTask, TaskStatus
from garrison.incidents.services import tasks as services
from garrison.incidents.tasks_handling import JOB_NAME, send_task_reminders
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

ASSIGNED = "incidents.task-assigned"
OVERDUE = "incidents.task-overdue"


@pytest.fixture
def incident(make_incident: Any) -> Any:
    return make_incident()


@pytest.fixture
def analyst(organisation: Any, make_person: Any) -> Person:
    return make_person("analyst", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))


def test_the_owner_is_told_when_someone_else_assigns_a_task(
    incident: Any, handler: Person, analyst: Person
) -> None:
    task = services.create_task(
        incident, by=handler, title="Collect firewall logs", owner=analyst, due_at=shanghai(2026, 3, 3, 12)
    )
    notification = Notification.objects.get(recipient=analyst, kind=ASSIGNED)
    assert notification.title == "Incident task for you: Collect firewall logs"
    assert "2026-03-03 12:00 +0800" in notification.body
    assert notification.object_id == str(task.pk)
    assert history_of(task).filter(action="create").count() == 1


def test_nobody_is_told_about_a_task_they_gave_themselves(incident: Any, handler: Person) -> None:
    services.create_task(incident, by=handler, title="Write summary", owner=handler)
    assert not Notification.objects.filter(kind=ASSIGNED).exists()


def test_a_new_owner_is_told_on_reassignment(incident: Any, handler: Person, analyst: Person) -> None:
    task = services.create_task(incident, by=handler, title="Image the disk", owner=handler)
    services.update_task(task, by=handler, owner=analyst)
    assert Notification.objects.filter(recipient=analyst, kind=ASSIGNED).count() == 1


def test_a_person_who_left_cannot_own_a_task(incident: Any, handler: Person, analyst: Person) -> None:
    analyst.employment_status = EmploymentStatus.LEFT
    analyst.save()
    with pytest.raises(ValidationError) as error:
        services.create_task(incident, by=handler, title="X", owner=analyst)
    assert "owner" in error.value.message_dict
    assert not IncidentTask.objects.exists()


def test_completing_sets_completed_at_and_closes_the_task(incident: Any, handler: Person) -> None:
    task = services.create_task(incident, by=handler, title="Reset passwords", owner=handler)
    moment = shanghai(2026, 3, 2, 15)
    services.complete_task(task, by=handler, now=moment)
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.DONE, moment)
    with pytest.raises(ValidationError):
        services.complete_task(task, by=handler)
    with pytest.raises(ValidationError):
        services.cancel_task(task, by=handler)
    with pytest.raises(ValidationError):
        services.update_task(task, by=handler, status=TaskStatus.OPEN)


def test_the_owner_completes_their_task_without_rights_on_the_case(
    incident: Any, handler: Person, colleague: Person
) -> None:
    task = services.create_task(incident, by=handler, title="Send me the VPN logs", owner=colleague)
    services.complete_task(task, by=colleague)
    assert IncidentTask.objects.get(pk=task.pk).status == TaskStatus.DONE
    other = services.create_task(incident, by=handler, title="Another", owner=colleague)
    with pytest.raises(Http404):
        services.cancel_task(other, by=colleague)


def test_outsiders_cannot_add_tasks(incident: Any, handler: Person, outsider: Person) -> None:
    with pytest.raises(Http404):
        services.create_task(incident, by=outsider, title="X", owner=handler)


def test_the_overdue_reminder_is_sent_once_per_task_per_day(
    incident: Any, handler: Person, analyst: Person
) -> None:
    late = services.create_task(
        incident, by=handler, title="Patch the VPN", owner=analyst, due_at=shanghai(2026, 3, 3, 9)
    )
    services.create_task(
        incident, by=handler, title="Not yet due", owner=analyst, due_at=shanghai(2026, 3, 9, 9)
    )
    done = services.create_task(
        incident, by=handler, title="Done", owner=analyst, due_at=shanghai(2026, 3, 3, 9)
    )
    services.complete_task(done, by=analyst)
    first_day = dt.datetime(2026, 3, 4, 1, 30, tzinfo=dt.UTC)
    assert send_task_reminders(first_day) == "1 overdue task reminders sent"
    assert send_task_reminders(first_day + dt.timedelta(hours=3)) == "0 overdue task reminders sent"
    assert send_task_reminders(first_day + dt.timedelta(days=1)) == "1 overdue task reminders sent"
    reminders = Notification.objects.filter(recipient=analyst, kind=OVERDUE).order_by("pk")
    assert [item.dedupe_key for item in reminders] == [
        f"{OVERDUE}:{late.pk}:2026-03-04",
        f"{OVERDUE}:{late.pk}:2026-03-05",
    ]
    assert reminders[0].title == "Overdue incident task: Patch the VPN"


def test_the_job_is_registered_and_idempotent_through_the_scheduler(
    incident: Any, handler: Person, analyst: Person
) -> None:
    services.create_task(incident, by=handler, title="Late", owner=analyst, due_at=shanghai(2026, 3, 3, 9))
    moment = dt.datetime(2026, 3, 4, 1, 30, tzinfo=dt.UTC)
    run_job(JOB_NAME, now=moment)
    run_job(JOB_NAME, now=moment)
    assert Notification.objects.filter(kind=OVERDUE).count() == 1
