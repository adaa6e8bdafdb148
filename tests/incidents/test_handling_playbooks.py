"""Playbooks: who may change them, suggestions per category, and applying one to a case
(one task per step for the handler, due the step's hours later; once per case)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from garrison.core.models import Person
from garrison.incidents.models import IncidentTask, Playbook
from garrison.incidents.services import playbooks as services
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

APPLIED_AT = shanghai(2026, 3, 2, 10)


@pytest.fixture
def ransomware_playbook(categories: dict[str, Any]) -> Playbook:
    playbook = services.create_playbook(by=None, name="Ransomware response", category=categories["MP-RW"])
    services.add_step(playbook, by=None, title="Isolate infected hosts", due_after_hours=1)
    services.add_step(
        playbook, by=None, title="Preserve memory images", title_zh="保存内存镜像", due_after_hours=4
    )
    services.add_step(playbook, by=None, title="Notify the regulator", due_after_hours=24)
    return playbook


@pytest.fixture
def ransomware_case(make_incident: Any, categories: dict[str, Any]) -> Any:
    return make_incident(category=categories["MP"], subcategory=categories["MP-RW"])


def test_applying_gives_the_handler_one_task_per_step_with_due_times(
    ransomware_playbook: Playbook, ransomware_case: Any, handler: Person, security_officer: Person
) -> None:
    tasks = services.apply_playbook(ransomware_case, ransomware_playbook, by=security_officer, now=APPLIED_AT)
    assert [(task.title, task.due_at, task.owner) for task in tasks] == [
        ("Isolate infected hosts", APPLIED_AT + dt.timedelta(hours=1), handler),
        ("Preserve memory images", APPLIED_AT + dt.timedelta(hours=4), handler),
        ("Notify the regulator", APPLIED_AT + dt.timedelta(hours=24), handler),
    ]
    assert IncidentTask.objects.filter(incident=ransomware_case).count() == 3
    assert services.applied_count(ransomware_playbook) == 1


def test_step_titles_follow_the_handlers_language(
    ransomware_playbook: Playbook, ransomware_case: Any, handler: Person
) -> None:
    handler.language = "zh-hans"
    handler.save()
    tasks = services.apply_playbook(ransomware_case, ransomware_playbook, by=handler, now=APPLIED_AT)
    assert tasks[1].title == "保存内存镜像"
    assert tasks[0].title == "Isolate infected hosts"


def test_a_playbook_is_applied_to_a_case_once(
    ransomware_playbook: Playbook, ransomware_case: Any, handler: Person
) -> None:
    services.apply_playbook(ransomware_case, ransomware_playbook, by=handler, now=APPLIED_AT)
    with pytest.raises(ValidationError) as error:
        services.apply_playbook(ransomware_case, ransomware_playbook, by=handler, now=APPLIED_AT)
    assert "already applied" in " ".join(error.value.messages)
    assert IncidentTask.objects.filter(incident=ransomware_case).count() == 3


def test_an_inactive_playbook_is_refused(
    ransomware_playbook: Playbook, ransomware_case: Any, handler: Person, security_officer: Person
) -> None:
    services.update_playbook(ransomware_playbook, by=security_officer, is_active=False)
    with pytest.raises(ValidationError):
        services.apply_playbook(ransomware_case, ransomware_playbook, by=handler, now=APPLIED_AT)
    assert not IncidentTask.objects.exists()


def test_applying_needs_rights_to_change_the_case(
    ransomware_playbook: Playbook, ransomware_case: Any, outsider: Person, auditor: Person
) -> None:
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            services.apply_playbook(ransomware_case, ransomware_playbook, by=person, now=APPLIED_AT)
    assert not IncidentTask.objects.exists()


def test_suggestions_match_the_category_or_any(
    ransomware_playbook: Playbook, ransomware_case: Any, make_incident: Any, categories: dict[str, Any]
) -> None:
    generic = services.create_playbook(by=None, name="Any incident")
    services.create_playbook(by=None, name="DDoS", category=categories["NA-DOS"])
    services.create_playbook(by=None, name="Old", is_active=False)
    assert list(services.suggested_playbooks(ransomware_case)) == [generic, ransomware_playbook]
    leak = make_incident(category=categories["DS"])
    assert list(services.suggested_playbooks(leak)) == [generic]


def test_only_officers_of_the_whole_organisation_change_playbooks(
    ransomware_playbook: Playbook, security_officer: Person, handler: Person, auditor: Person
) -> None:
    for person in (handler, auditor):
        with pytest.raises(PermissionDenied):
            services.create_playbook(by=person, name="Mine")
        with pytest.raises(PermissionDenied):
            services.update_playbook(ransomware_playbook, by=person, name="Renamed")
        with pytest.raises(PermissionDenied):
            services.add_step(ransomware_playbook, by=person, title="Extra")
    assert Playbook.objects.get(pk=ransomware_playbook.pk).name == "Ransomware response"
    services.update_playbook(ransomware_playbook, by=security_officer, name="Ransomware v2")
    step = services.add_step(ransomware_playbook, by=security_officer, title="Restore from backup")
    assert step.order == 4


def test_an_applied_playbook_is_kept(
    ransomware_playbook: Playbook, ransomware_case: Any, handler: Person, security_officer: Person
) -> None:
    services.apply_playbook(ransomware_case, ransomware_playbook, by=handler, now=APPLIED_AT)
    with pytest.raises(ValidationError):
        services.delete_playbook(ransomware_playbook, by=security_officer)
    unused = services.create_playbook(by=security_officer, name="Unused")
    services.delete_playbook(unused, by=security_officer)
    assert not Playbook.objects.filter(pk=unused.pk).exists()
