"""The grading services: the proposal from a case's facts, confirming or overriding the
grade, and the thresholds only Administrators edit, after which open cases are graded
again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Person
from garrison.incidents.models import GradingThreshold, IncidentStatus, TimelineKind
from garrison.incidents.services import grading as services
from tests.incidents.conftest import shanghai
from tests.incidents.grading_support import *  # noqa: F403

pytestmark = pytest.mark.django_db

NOW = shanghai(2026, 3, 3, 10)


@pytest.fixture
def recomputed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The cases whose obligations were recomputed, in order."""
    calls: list[Any] = []
    monkeypatch.setattr(
        "garrison.incidents.services.obligations.recompute_obligations",
        lambda incident, *, by, now=None: calls.append(incident.pk),
    )
    return calls


def test_the_proposal_follows_the_facts_and_lists_its_basis(thresholds: Any, make_incident: Any) -> None:
    case = make_incident(personal_information_people=1_200_000)
    services.apply_proposal(case)
    assert case.proposed_grade == "relatively_major"
    assert case.grading_basis == [
        {
            "metric": "personal_information_people",
            "value": 1_200_000,
            "threshold": 1_000_000,
            "grade": "relatively_major",
            "source": thresholds[0].source,
        }
    ]
    case.refresh_from_db()
    assert case.proposed_grade == ""  # apply_proposal does not save


def test_the_thresholds_of_the_discovery_day_in_shanghai_apply(thresholds: Any, make_incident: Any) -> None:
    # 00:30 in Shanghai on 1 November is still 31 October in UTC: the guide applies.
    first_day = make_incident(
        personal_information_people=2_000_000, discovered_at=shanghai(2025, 11, 1, 0, 30)
    )
    day_before = make_incident(
        personal_information_people=2_000_000, discovered_at=shanghai(2025, 10, 31, 23, 30)
    )
    services.apply_proposal(first_day)
    services.apply_proposal(day_before)
    assert (first_day.proposed_grade, day_before.proposed_grade) == ("relatively_major", "general")
    assert day_before.grading_basis == []


def test_confirming_the_proposal_needs_no_reason(
    thresholds: Any, make_incident: Any, handler: Person, recomputed: list[Any]
) -> None:
    case = make_incident(cii_full_outage_minutes=400)
    services.confirm_grade(case, grade="especially_major", by=handler, now=NOW)
    case.refresh_from_db()
    assert case.grade == case.proposed_grade == "especially_major"
    assert case.grade_confirmed_by == handler
    assert case.grade_confirmed_at == NOW
    assert case.grade_reason == ""
    assert case.grading_basis[0]["metric"] == "cii_full_outage_minutes"
    note = case.timeline.get()
    assert note.kind == TimelineKind.DECISION
    assert "Grade confirmed: Especially major" in note.description
    event = history_of(case).first()
    assert event is not None
    assert event.changes["grade"] == ["", "especially_major"]
    assert recomputed == [case.pk]


def test_overriding_needs_a_reason_and_changes_nothing_without_one(
    thresholds: Any, make_incident: Any, handler: Person, recomputed: list[Any]
) -> None:
    case = make_incident(personal_information_people=1_200_000)
    with pytest.raises(ValidationError) as refused:
        services.confirm_grade(case, grade="major", by=handler, reason="  ", now=NOW)
    assert "reason" in refused.value.message_dict
    case.refresh_from_db()
    assert (case.grade, case.grade_confirmed_by, case.timeline.count()) == ("", None, 0)
    assert recomputed == []


def test_overriding_with_a_reason_keeps_it_with_the_decision(
    thresholds: Any, make_incident: Any, handler: Person, recomputed: list[Any]
) -> None:
    case = make_incident(personal_information_people=1_200_000)
    services.confirm_grade(case, grade="major", by=handler, reason="Health data of patients", now=NOW)
    case.refresh_from_db()
    assert (case.proposed_grade, case.grade) == ("relatively_major", "major")
    assert case.grade_reason == "Health data of patients"
    assert "Health data of patients" in case.timeline.get().description
    assert history_of(case).first().reason == "Health data of patients"  # type: ignore[union-attr]
    assert recomputed == [case.pk]


def test_an_unknown_grade_is_refused(thresholds: Any, make_incident: Any, handler: Person) -> None:
    case = make_incident()
    with pytest.raises(ValidationError) as refused:
        services.confirm_grade(case, grade="catastrophic", by=handler, reason="x")
    assert "grade" in refused.value.message_dict


def test_only_who_may_change_the_case_confirms_its_grade(
    thresholds: Any,
    make_incident: Any,
    colleague: Person,
    outsider: Person,
    auditor: Person,
    security_officer: Person,
    recomputed: list[Any],
) -> None:
    case = make_incident()
    for person in (colleague, outsider, auditor):
        with pytest.raises(Http404):
            services.confirm_grade(case, grade="general", by=person)
    case.refresh_from_db()
    assert case.grade == ""
    services.confirm_grade(case, grade="general", by=security_officer, now=NOW)
    case.refresh_from_db()
    assert case.grade_confirmed_by == security_officer


# Thresholds ------------------------------------------------------------------------------------


def new_threshold(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "metric": "direct_loss_cny",
        "threshold": Decimal(1000),
        "grade": "major",
        "source": "Board decision 2026-01",
        "effective_from": dt.date(2026, 1, 1),
    }
    fields.update(changes)
    return fields


def test_an_administrator_adds_a_threshold_and_open_cases_are_graded_again(
    thresholds: Any, make_incident: Any, administrator: Person, recomputed: list[Any]
) -> None:
    open_case = make_incident(direct_loss_cny=Decimal(5000), proposed_grade="general")
    confirmed = make_incident(direct_loss_cny=Decimal(5000), proposed_grade="general", grade="general")
    closed = make_incident(
        direct_loss_cny=Decimal(5000), proposed_grade="general", status=IncidentStatus.CLOSED
    )
    item = services.create_threshold(by=administrator, reason="Our own rule", **new_threshold())
    assert item.urn.startswith("urn:garrison:local:grading-threshold:")
    assert item.library_urn == ""
    assert history_of(item).first().reason == "Our own rule"  # type: ignore[union-attr]
    open_case.refresh_from_db()
    assert open_case.proposed_grade == "major"
    assert open_case.grading_basis[0]["source"] == "Board decision 2026-01"
    assert "changed from General to Major" in open_case.timeline.get().description
    for untouched in (confirmed, closed):
        untouched.refresh_from_db()
        assert untouched.proposed_grade == "general"
    assert recomputed == [open_case.pk]


@pytest.mark.parametrize("person_name", ["security_officer", "owner", "auditor", "handler"])
def test_no_one_but_an_administrator_over_the_group_edits_thresholds(
    thresholds: Any, person_name: str, request: pytest.FixtureRequest
) -> None:
    person = request.getfixturevalue(person_name)
    assert not services.may_edit_thresholds(person)
    with pytest.raises(PermissionDenied):
        services.create_threshold(by=person, **new_threshold())
    with pytest.raises(PermissionDenied):
        services.update_threshold(thresholds[0], by=person, threshold=Decimal(1))
    with pytest.raises(PermissionDenied):
        services.delete_threshold(thresholds[0], by=person)
    assert GradingThreshold.objects.count() == 17
    thresholds[0].refresh_from_db()
    assert thresholds[0].threshold != Decimal(1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"threshold": Decimal(0)}, "threshold"),
        ({"threshold": Decimal(-5)}, "threshold"),
        ({"grade": "general"}, "grade"),
        ({"effective_until": dt.date(2025, 12, 31)}, "effective_until"),
        ({"metric": "mood"}, "metric"),
    ],
)
def test_a_threshold_is_validated_field_by_field(
    administrator: Person, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_threshold(by=administrator, **new_threshold(**changes))
    assert field in refused.value.message_dict
    assert not GradingThreshold.objects.exists()


def test_retiring_a_threshold_grades_later_cases_without_it(
    thresholds: Any, make_incident: Any, administrator: Person, recomputed: list[Any]
) -> None:
    case = make_incident(personal_information_people=1_500_000, discovered_at=shanghai(2026, 3, 2))
    services.apply_proposal(case)
    case.save()
    assert case.proposed_grade == "relatively_major"
    pi = GradingThreshold.objects.get(metric="personal_information_people", grade="relatively_major")
    services.retire_threshold(pi, by=administrator, effective_until=dt.date(2026, 3, 1), reason="Superseded")
    case.refresh_from_db()
    assert (case.proposed_grade, case.grading_basis) == ("general", [])
    assert recomputed == [case.pk]
    # The end date is inclusive: a case of 1 March is still graded with it.
    earlier = make_incident(personal_information_people=1_500_000, discovered_at=shanghai(2026, 3, 1, 23))
    services.apply_proposal(earlier)
    assert earlier.proposed_grade == "relatively_major"


def test_a_change_that_changes_nothing_grades_nothing_again(
    thresholds: Any, make_incident: Any, administrator: Person, recomputed: list[Any]
) -> None:
    make_incident(personal_information_people=1_500_000)
    services.update_threshold(thresholds[0], by=administrator, source=thresholds[0].source)
    assert recomputed == []


def test_a_library_threshold_is_retired_not_deleted(thresholds: Any, administrator: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        services.delete_threshold(thresholds[0], by=administrator)
    assert "effective_until" in refused.value.message_dict
    own = services.create_threshold(by=administrator, **new_threshold())
    services.delete_threshold(own, by=administrator, reason="Added by mistake")
    assert not GradingThreshold.objects.filter(pk=own.pk).exists()
