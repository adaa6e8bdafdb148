"""Post-incident reviews and their corrective actions, through the services: when a
review may start, what completing it needs, links to risks and controls within reach,
who may do what, the closing guard, and the overdue reminder job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Notification
from garrison.core.models.org import EmploymentStatus
from garrison.core.services.org import set_employment_status
from garrison.incidents.models import (
    Grade,
    IncidentStatus,
    PostIncidentReview,
    ReviewActionStatus,
    ReviewStatus,
    TimelineEvent,
    TimelineKind,
)
from garrison.incidents.services import reviews as services
from garrison.incidents.services.cases import transition_incident
from garrison.incidents.tasks_reviews import remind_overdue_actions
from tests.incidents.reviews_support import case_in_recovery, make_control, make_risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_incident: Any) -> Any:
    return case_in_recovery(make_incident, title="Ransomware on the Beijing file servers")


@pytest.fixture
def review(case: Any, handler: Any) -> PostIncidentReview:
    return services.start_review(case, by=handler)


def written(review: PostIncidentReview, by: Any) -> PostIncidentReview:
    return services.update_review(
        review,
        by=by,
        root_cause="An unpatched VPN appliance let the attacker in.",
        lessons_learned="Patch edge devices within 72 hours.",
    )


# Starting ---------------------------------------------------------------------------------------


def test_a_review_starts_once_handling_ends_and_notes_it_on_the_timeline(case: Any, handler: Any) -> None:
    review = services.start_review(case, by=handler)

    assert review.status == ReviewStatus.DRAFT
    assert TimelineEvent.objects.filter(incident=case, description="Post-incident review started.").exists()
    with pytest.raises(ValidationError) as refused:
        services.start_review(case, by=handler)
    assert "already has its post-incident review" in str(refused.value)
    assert PostIncidentReview.objects.filter(incident=case).count() == 1


def test_a_review_does_not_start_while_the_case_is_being_handled(make_incident: Any, handler: Any) -> None:
    case = make_incident(status=IncidentStatus.CONTAINMENT)

    with pytest.raises(ValidationError) as refused:
        services.start_review(case, by=handler)

    assert "in recovery" in str(refused.value)
    assert not PostIncidentReview.objects.filter(incident=case).exists()


def test_a_general_case_may_be_reviewed_after_it_closed(make_incident: Any, handler: Any) -> None:
    case = make_incident(status=IncidentStatus.CLOSED, grade=Grade.GENERAL)

    assert services.start_review(case, by=handler).incident == case


def test_only_who_may_change_the_case_starts_its_review(
    case: Any, colleague: Any, outsider: Any, auditor: Any, security_officer: Any
) -> None:
    for person in (colleague, outsider, auditor):
        with pytest.raises(Http404):
            services.start_review(case, by=person)
    assert not PostIncidentReview.objects.filter(incident=case).exists()
    assert services.start_review(case, by=security_officer).incident == case


# Completing and reopening -----------------------------------------------------------------------


def test_completing_needs_the_root_cause_and_the_lessons_learned(review: Any, handler: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.complete_review(review, by=handler)

    assert set(refused.value.message_dict) == {"root_cause", "lessons_learned"}
    assert refused.value.message_dict["root_cause"] == ["State the root cause before completing the review."]
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT
    assert review.completed_at is None

    services.update_review(review, by=handler, root_cause="Phishing.", lessons_learned="   ")
    with pytest.raises(ValidationError) as refused:
        services.complete_review(review, by=handler)
    assert set(refused.value.message_dict) == {"lessons_learned"}


def test_completing_records_who_and_when_and_notes_a_decision(review: Any, handler: Any) -> None:
    services.complete_review(written(review, handler), by=handler)

    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    assert review.completed_by == handler
    assert review.completed_at is not None
    decision = TimelineEvent.objects.get(incident=review.incident, kind=TimelineKind.DECISION)
    assert decision.description == "Post-incident review completed."
    assert decision.recorded_by == handler


def test_a_completed_review_changes_only_after_it_is_reopened_with_a_reason(
    review: Any, handler: Any
) -> None:
    services.complete_review(written(review, handler), by=handler)

    with pytest.raises(ValidationError):
        services.update_review(review, by=handler, summary="Afterthought")
    with pytest.raises(ValidationError) as refused:
        services.reopen_review(review, by=handler, reason=" ")
    assert "reason" in refused.value.message_dict

    services.reopen_review(review, by=handler, reason="The forensic report names a second way in.")
    review.refresh_from_db()
    assert (review.status, review.completed_at, review.completed_by) == (ReviewStatus.DRAFT, None, None)
    services.update_review(review, by=handler, summary="Afterthought")
    assert PostIncidentReview.objects.get(pk=review.pk).summary == "Afterthought"


def test_a_review_is_not_reopened_once_the_case_is_closed(review: Any, handler: Any) -> None:
    services.complete_review(written(review, handler), by=handler)
    transition_incident(review.incident, "close", by=handler)

    review.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.reopen_review(review, by=handler, reason="Second thoughts")

    assert "case is closed" in str(refused.value)
    assert PostIncidentReview.objects.get(pk=review.pk).status == ReviewStatus.COMPLETED


def test_a_review_is_audited(review: Any, handler: Any) -> None:
    written(review, handler)

    changes = [event.changes for event in history_of(review)]
    assert any(change.get("root_cause") for change in changes)


# The closing guard ------------------------------------------------------------------------------


def test_a_relatively_major_case_closes_only_with_a_completed_review(case: Any, handler: Any) -> None:
    transition_incident(case, "review", by=handler)
    with pytest.raises(ValidationError) as refused:
        transition_incident(case, "close", by=handler)
    assert "post-incident review is completed" in str(refused.value)

    review = services.start_review(case, by=handler)
    with pytest.raises(ValidationError):
        transition_incident(case, "close", by=handler)
    case.refresh_from_db()
    assert case.status == IncidentStatus.POST_INCIDENT_REVIEW

    services.complete_review(written(review, handler), by=handler)
    transition_incident(case, "close", by=handler)
    case.refresh_from_db()
    assert case.status == IncidentStatus.CLOSED


def test_a_general_case_closes_without_a_review(make_incident: Any, handler: Any) -> None:
    case = case_in_recovery(make_incident, grade=Grade.GENERAL)

    transition_incident(case, "close", by=handler)

    case.refresh_from_db()
    assert case.status == IncidentStatus.CLOSED


# Participants -----------------------------------------------------------------------------------


def test_participants_are_people_the_writer_can_see_and_hidden_ones_survive(
    review: Any, handler: Any, security_officer: Any, colleague: Any, outsider: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.update_review(review, by=handler, participants=[colleague, outsider])
    assert refused.value.message_dict == {"participants": ["Person not found: outsider."]}
    assert not review.participants.exists()

    services.update_review(review, by=security_officer, participants=[colleague, outsider])
    services.update_review(review, by=handler, participants=[])

    assert list(review.participants.all()) == [outsider]
    events = [event.changes for event in history_of(review)]
    assert any(change.get("participant_usernames") == [None, "colleague, outsider"] for change in events)


# Corrective actions -----------------------------------------------------------------------------


def test_an_action_links_risks_and_controls_and_its_owner_is_told(
    review: Any, handler: Any, colleague: Any, organisation: Any
) -> None:
    risk = make_risk(organisation.beijing, handler)
    control = make_control(organisation.beijing, handler)

    action = services.add_action(
        review,
        by=handler,
        title="Patch every VPN appliance",
        owner=colleague,
        due_on=dt.date(2026, 4, 1),
        risks=[risk],
        controls=[control],
    )

    assert list(action.risks.all()) == [risk]
    assert list(action.controls.all()) == [control]
    assert list(risk.incident_actions.all()) == [action]
    told = Notification.objects.get(recipient=colleague, kind="incidents.review-action-assigned")
    assert told.title == "Corrective action for you: Patch every VPN appliance"
    (created,) = history_of(action)
    assert created.changes["risk_references"] == [None, risk.reference]
    assert created.changes["control_references"] == [None, control.reference]


def test_no_one_is_told_of_an_action_they_gave_themselves(review: Any, handler: Any) -> None:
    services.add_action(review, by=handler, title="Write the runbook", owner=handler)

    assert not Notification.objects.filter(kind="incidents.review-action-assigned").exists()


def test_an_action_refuses_risks_controls_and_owners_out_of_reach(
    review: Any, handler: Any, outsider: Any, organisation: Any
) -> None:
    far_risk = make_risk(organisation.shanghai, outsider)
    far_control = make_control(organisation.shanghai, outsider)

    with pytest.raises(ValidationError) as refused:
        services.add_action(
            review, by=handler, title="Harden", owner=handler, risks=[far_risk], controls=[far_control]
        )
    assert set(refused.value.message_dict) == {"risks", "controls"}
    assert far_risk.reference in refused.value.message_dict["risks"][0]

    with pytest.raises(ValidationError) as refused:
        services.add_action(review, by=handler, title="Harden", owner=outsider)
    assert refused.value.message_dict == {"owner": ["Person not found."]}

    with pytest.raises(ValidationError) as refused:
        services.add_action(review, by=handler, title="", owner=handler)
    assert "title" in refused.value.message_dict
    assert not review.actions.exists()


def test_an_inactive_owner_is_refused(review: Any, handler: Any, colleague: Any) -> None:
    set_employment_status(colleague, EmploymentStatus.LEFT, by=None)

    with pytest.raises(ValidationError) as refused:
        services.add_action(review, by=handler, title="Harden", owner=colleague)

    assert "owner" in refused.value.message_dict


def test_links_the_editor_cannot_see_survive_their_edits(
    review: Any, handler: Any, security_officer: Any, outsider: Any, organisation: Any
) -> None:
    near = make_risk(organisation.beijing, handler, "Near")
    far = make_risk(organisation.shanghai, outsider, "Far")
    far_control = make_control(organisation.shanghai, outsider)
    action = services.add_action(
        review,
        by=security_officer,
        title="Segment the network",
        owner=handler,
        risks=[near, far],
        controls=[far_control],
    )

    services.update_action(action, by=handler, risks=[], controls=[], title="Segment the networks")

    assert list(action.risks.all()) == [far]
    assert list(action.controls.all()) == [far_control]
    assert action.title == "Segment the networks"


def test_a_new_owner_is_told_and_a_done_action_stays_done(
    review: Any, handler: Any, colleague: Any, security_officer: Any
) -> None:
    action = services.add_action(review, by=handler, title="Rotate keys", owner=handler)

    services.update_action(action, by=handler, owner=colleague)
    assert (
        Notification.objects.filter(recipient=colleague, kind="incidents.review-action-assigned").count() == 1
    )

    services.complete_action(action, by=colleague, completed_on=dt.date(2026, 3, 20))
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (ReviewActionStatus.DONE, dt.date(2026, 3, 20))
    with pytest.raises(ValidationError) as refused:
        services.update_action(action, by=security_officer, title="Rotate all keys")
    assert "status" in refused.value.message_dict


def test_done_is_not_a_status_an_edit_sets_and_completion_is_not_in_the_future(
    review: Any, handler: Any
) -> None:
    action = services.add_action(review, by=handler, title="Rotate keys", owner=handler)

    with pytest.raises(ValidationError):
        services.update_action(action, by=handler, status=ReviewActionStatus.DONE)
    with pytest.raises(ValidationError) as refused:
        services.complete_action(action, by=handler, completed_on=dt.date.today() + dt.timedelta(days=3))
    assert "completed_on" in refused.value.message_dict
    action.refresh_from_db()
    assert action.status == ReviewActionStatus.OPEN


def test_the_owner_of_an_action_may_work_it_but_not_add_others(
    review: Any, handler: Any, colleague: Any, outsider: Any
) -> None:
    action = services.add_action(review, by=handler, title="Rotate keys", owner=colleague)

    services.update_action(action, by=colleague, status=ReviewActionStatus.IN_PROGRESS)
    with pytest.raises(Http404):
        services.add_action(review, by=colleague, title="Another", owner=colleague)
    with pytest.raises(Http404):
        services.update_action(action, by=outsider, title="Taken over")
    action.refresh_from_db()
    assert (action.status, action.title) == (ReviewActionStatus.IN_PROGRESS, "Rotate keys")


# The reminder job -------------------------------------------------------------------------------


def test_owners_of_overdue_actions_are_reminded_once_a_day(review: Any, handler: Any, colleague: Any) -> None:
    services.add_action(review, by=handler, title="Overdue", owner=colleague, due_on=dt.date(2026, 3, 10))
    services.add_action(review, by=handler, title="Not yet due", owner=colleague, due_on=dt.date(2026, 3, 30))
    done = services.add_action(review, by=handler, title="Done", owner=colleague, due_on=dt.date(2026, 3, 1))
    services.complete_action(done, by=handler, completed_on=dt.date(2026, 3, 2))

    assert remind_overdue_actions(dt.date(2026, 3, 12)) == (1, 1)
    assert remind_overdue_actions(dt.date(2026, 3, 12)) == (1, 0)
    assert remind_overdue_actions(dt.date(2026, 3, 13)) == (1, 1)

    titles = list(
        Notification.objects.filter(kind="incidents.review-action-overdue")
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        "Corrective action overdue by 2 days: Overdue",
        "Corrective action overdue by 3 days: Overdue",
    ]
