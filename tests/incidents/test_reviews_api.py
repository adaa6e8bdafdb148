"""The review, corrective-action and metrics endpoints of the incident API."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.incidents.models import Grade, IncidentStatus, PostIncidentReview, ReviewAction, ReviewStatus
from garrison.incidents.services import reviews as services
from tests.incidents.conftest import shanghai
from tests.incidents.reviews_support import case_in_recovery, make_control, make_risk

pytestmark = pytest.mark.django_db

REVIEWS = "/api/incidents/reviews/"
ACTIONS = "/api/incidents/review-actions/"
METRICS = "/api/incidents/metrics/"


@pytest.fixture
def case(make_incident: Any) -> Any:
    return case_in_recovery(make_incident)


def test_a_handler_starts_writes_and_completes_a_review(api: Any, handler: Any, case: Any) -> None:
    client = api.as_(handler)

    started = client.post(REVIEWS, {"incident": case.pk, "summary": "Contained in six hours."}, format="json")
    assert started.status_code == 201, started.content
    review_id = started.json()["id"]
    assert started.json()["status"] == "draft"
    assert started.json()["summary"] == "Contained in six hours."

    incomplete = client.post(f"{REVIEWS}{review_id}/complete/")
    assert incomplete.status_code == 400
    assert set(incomplete.json()) == {"root_cause", "lessons_learned"}

    changed = client.patch(
        f"{REVIEWS}{review_id}/",
        {"root_cause": "Unpatched VPN.", "lessons_learned": "Patch edge devices.", "reason": "Meeting held"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    completed = client.post(f"{REVIEWS}{review_id}/complete/")
    assert completed.status_code == 200
    assert completed.json()["status"] == "completed"
    assert completed.json()["completed_by"] == handler.pk

    reopened = client.post(f"{REVIEWS}{review_id}/reopen/", {"reason": "New evidence"}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"
    history = client.get(f"{REVIEWS}{review_id}/history/")
    assert history.status_code == 200


def test_a_second_review_and_a_case_being_handled_are_refused(
    api: Any, handler: Any, case: Any, make_incident: Any
) -> None:
    client = api.as_(handler)
    assert client.post(REVIEWS, {"incident": case.pk}, format="json").status_code == 201

    again = client.post(REVIEWS, {"incident": case.pk}, format="json")
    assert again.status_code == 400
    early = make_incident(status=IncidentStatus.TRIAGE)
    assert client.post(REVIEWS, {"incident": early.pk}, format="json").status_code == 400
    assert PostIncidentReview.objects.count() == 1


def test_people_out_of_reach_neither_see_nor_start_reviews(
    api: Any, handler: Any, case: Any, outsider: Any, colleague: Any, auditor: Any
) -> None:
    review = services.start_review(case, by=handler)

    for person in (outsider, colleague):
        client = api.as_(person)
        assert client.get(f"{REVIEWS}{review.pk}/").status_code == 404
        assert client.get(REVIEWS).json()["count"] == 0
        refused = client.post(REVIEWS, {"incident": case.pk}, format="json")
        assert refused.status_code == 400
        assert "incident" in refused.json()
    reader = api.as_(auditor)
    assert reader.get(f"{REVIEWS}{review.pk}/").status_code == 200
    assert reader.patch(f"{REVIEWS}{review.pk}/", {"summary": "x"}, format="json").status_code == 404
    assert reader.post(f"{REVIEWS}{review.pk}/complete/").status_code == 404
    assert api.as_(None).get(REVIEWS).status_code in (401, 403)
    review.refresh_from_db()
    assert review.summary == ""


def test_actions_link_risks_and_controls_and_show_only_those_in_sight(
    api: Any, handler: Any, security_officer: Any, outsider: Any, colleague: Any, case: Any, organisation: Any
) -> None:
    review = services.start_review(case, by=handler)
    risk = make_risk(organisation.beijing, handler)
    control = make_control(organisation.beijing, handler)
    far_risk = make_risk(organisation.shanghai, outsider)

    created = api.as_(security_officer).post(
        ACTIONS,
        {
            "review": review.pk,
            "title": "Patch the VPN appliances",
            "owner": colleague.pk,
            "due_on": "2026-04-01",
            "risks": [risk.pk, far_risk.pk],
            "controls": [control.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["risks"], body["controls"], body["status"]) == (
        sorted([risk.pk, far_risk.pk]),
        [control.pk],
        "open",
    )

    seen = api.as_(handler).get(f"{ACTIONS}{body['id']}/").json()
    assert seen["risks"] == [risk.pk]
    assert seen["incident"] == case.pk

    refused = api.as_(handler).post(
        ACTIONS,
        {"review": review.pk, "title": "Harden", "owner": handler.pk, "risks": [far_risk.pk]},
        format="json",
    )
    assert refused.status_code == 400
    assert "risks" in refused.json()

    done = api.as_(colleague).post(
        f"{ACTIONS}{body['id']}/complete/", {"completed_on": "2026-03-20"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["completed_on"]) == ("done", "2026-03-20")
    assert ReviewAction.objects.count() == 1


def test_an_action_is_not_added_to_a_review_out_of_reach(
    api: Any, handler: Any, outsider: Any, case: Any
) -> None:
    review = services.start_review(case, by=handler)

    refused = api.as_(outsider).post(
        ACTIONS, {"review": review.pk, "title": "Mine", "owner": outsider.pk}, format="json"
    )

    assert refused.status_code == 400
    assert "review" in refused.json()
    assert not ReviewAction.objects.exists()


def test_metrics_group_the_visible_cases_by_month_category_and_grade(
    api: Any, handler: Any, outsider: Any, make_incident: Any, organisation: Any
) -> None:
    make_incident(
        discovered_at=shanghai(2026, 3, 2, 10),
        occurred_at=shanghai(2026, 3, 2, 8),
        contained_at=shanghai(2026, 3, 2, 14),
        grade=Grade.MAJOR,
    )
    make_incident(discovered_at=shanghai(2026, 4, 1, 0, 30), grade=Grade.GENERAL)
    make_incident(discovered_at=shanghai(2026, 3, 5), status=IncidentStatus.FALSE_POSITIVE)
    make_incident(discovered_at=shanghai(2026, 3, 6), unit=organisation.shanghai, handler=outsider)
    client = api.as_(handler)

    by_month = client.get(METRICS, {"group": "month"}).json()
    assert [(row["key"], row["count"]) for row in by_month["groups"]] == [("2026-03", 1), ("2026-04", 1)]
    march = by_month["groups"][0]
    assert (
        march["mean_hours_to_detect"],
        march["mean_hours_to_contain"],
        march["mean_hours_to_resolve"],
    ) == (
        2.0,
        4.0,
        None,
    )
    assert by_month["total"]["count"] == 2

    by_grade = client.get(METRICS, {"group": "grade", "from": "2026-03-01", "to": "2026-03-31"}).json()
    assert [(row["key"], row["label"], row["count"]) for row in by_grade["groups"]] == [("major", "Major", 1)]
    by_category = client.get(METRICS, {"group": "category"}).json()
    assert [row["key"] for row in by_category["groups"]] == ["NA"]

    assert client.get(METRICS, {"group": "week"}).status_code == 400
    assert "to" in client.get(METRICS, {"from": "2026-03-02", "to": "2026-03-01"}).json()
    assert api.as_(outsider).get(METRICS).json()["total"]["count"] == 1
    assert api.as_(None).get(METRICS).status_code in (401, 403)


def test_metrics_need_the_incident_domain(api: Any, colleague: Any) -> None:
    assert api.as_(colleague).get(METRICS).status_code == 404


def test_a_completed_review_reads_as_completed(api: Any, handler: Any, case: Any) -> None:
    review = services.start_review(case, by=handler)
    services.update_review(review, by=handler, root_cause="Phishing", lessons_learned="Train")
    services.complete_review(review, by=handler)

    listed = api.as_(handler).get(REVIEWS, {"status": "completed"}).json()

    assert [item["id"] for item in listed["results"]] == [review.pk]
    assert PostIncidentReview.objects.get().status == ReviewStatus.COMPLETED
