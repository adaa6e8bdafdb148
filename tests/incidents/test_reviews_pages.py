"""The post-incident review on the case page and its own pages: start, write, complete,
reopen, corrective actions; and the Incidents tiles of the dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garrison.incidents.dashboard import incident_tiles
from garrison.incidents.models import (
    Grade,
    IncidentStatus,
    ObligationKind,
    PostIncidentReview,
    ReportingObligation,
    ReviewAction,
    ReviewStatus,
)
from garrison.incidents.services import reviews as services
from tests.incidents.reviews_support import case_in_recovery, make_control, make_risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_incident: Any) -> Any:
    return case_in_recovery(make_incident, title="Ransomware on the file servers")


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def case_page(client: Client, case: Any) -> str:
    response = client.get(reverse("incidents:incident-detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_offers_to_start_the_review_and_the_button_starts_it(handler: Any, case: Any) -> None:
    client = browser(handler)
    start = reverse("incidents:review-start", args=[case.pk])
    assert start in case_page(client, case)

    response = client.post(start)

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:review-update", args=[case.pk])
    assert PostIncidentReview.objects.get(incident=case).status == ReviewStatus.DRAFT
    assert client.get(start).status_code == 405


def test_the_review_form_saves_the_review_and_refuses_unknown_participants(
    handler: Any, colleague: Any, case: Any
) -> None:
    review = services.start_review(case, by=handler)
    client = browser(handler)
    url = reverse("incidents:review-update", args=[case.pk])
    assert client.get(url).status_code == 200

    refused = client.post(url, {"root_cause": "Phishing", "participants": "colleague nobody"})
    assert refused.status_code == 400
    assert "No person with the username nobody." in refused.content.decode()

    saved = client.post(
        url,
        {
            "root_cause": "An unpatched VPN appliance",
            "lessons_learned": "Patch edge devices within 72 hours",
            "participants": "colleague, handler",
            "review_date": "2026-03-20",
        },
    )
    assert saved.status_code == 302
    review.refresh_from_db()
    assert review.root_cause == "An unpatched VPN appliance"
    assert review.review_date == dt.date(2026, 3, 20)
    assert sorted(review.participants.values_list("username", flat=True)) == ["colleague", "handler"]
    page = case_page(client, case)
    assert "An unpatched VPN appliance" in page
    assert "Colleague" in page


def test_completing_without_the_root_cause_shows_why_and_then_completes(handler: Any, case: Any) -> None:
    review = services.start_review(case, by=handler)
    client = browser(handler)
    complete = reverse("incidents:review-complete", args=[case.pk])

    refused = client.post(complete, follow=True)
    assert "State the root cause before completing the review." in refused.content.decode()
    assert PostIncidentReview.objects.get(pk=review.pk).status == ReviewStatus.DRAFT

    services.update_review(review, by=handler, root_cause="Phishing", lessons_learned="Train people")
    assert client.post(complete).status_code == 302
    assert PostIncidentReview.objects.get(pk=review.pk).status == ReviewStatus.COMPLETED
    assert reverse("incidents:review-reopen", args=[case.pk]) in case_page(client, case)

    reopen = reverse("incidents:review-reopen", args=[case.pk])
    assert client.post(reopen, {"reason": ""}).status_code == 400
    assert client.post(reopen, {"reason": "New evidence"}).status_code == 302
    assert PostIncidentReview.objects.get(pk=review.pk).status == ReviewStatus.DRAFT


def test_corrective_actions_are_added_edited_and_done_from_the_case_page(
    handler: Any, colleague: Any, case: Any, organisation: Any, outsider: Any
) -> None:
    review = services.start_review(case, by=handler)
    risk = make_risk(organisation.beijing, handler, "Ransomware spreads")
    control = make_control(organisation.beijing, handler, "Offline backups")
    far = make_risk(organisation.shanghai, outsider, "Far away risk")
    client = browser(handler)
    create = reverse("incidents:review-action-create", args=[case.pk])
    form = client.get(create).content.decode()
    assert "Ransomware spreads" in form
    assert "Far away risk" not in form

    created = client.post(
        create,
        {
            "title": "Patch the VPN",
            "owner": "colleague",
            "due_on": "2026-04-01",
            "risks": [risk.pk],
            "controls": [control.pk],
        },
    )
    assert created.status_code == 302
    action = ReviewAction.objects.get(review=review)
    assert list(action.risks.all()) == [risk]
    assert client.post(create, {"title": "Sneaky", "owner": "handler", "risks": [far.pk]}).status_code == 400
    page = case_page(client, case)
    assert "Patch the VPN" in page
    assert f"{risk.reference} Ransomware spreads" in page
    assert f"{control.reference} Offline backups" in page

    update = reverse("incidents:review-action-update", args=[action.pk])
    assert client.get(update).status_code == 200
    assert (
        client.post(
            update,
            {
                "title": "Patch every VPN",
                "owner": "colleague",
                "status": "in_progress",
                "risks": [risk.pk],
                "controls": [],
            },
        ).status_code
        == 302
    )
    action.refresh_from_db()
    assert (action.title, action.status, list(action.controls.all())) == (
        "Patch every VPN",
        "in_progress",
        [],
    )

    done = browser(colleague).post(reverse("incidents:review-action-complete", args=[action.pk]), {})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"


def test_people_out_of_reach_get_not_found(outsider: Any, colleague: Any, handler: Any, case: Any) -> None:
    review = services.start_review(case, by=handler)
    action = services.add_action(review, by=handler, title="Patch", owner=handler)
    for person in (outsider, colleague):
        client = browser(person)
        assert client.post(reverse("incidents:review-start", args=[case.pk])).status_code == 404
        assert client.get(reverse("incidents:review-update", args=[case.pk])).status_code == 404
        assert client.post(reverse("incidents:review-complete", args=[case.pk])).status_code == 404
        assert client.get(reverse("incidents:review-action-create", args=[case.pk])).status_code == 404
        assert client.get(reverse("incidents:review-action-update", args=[action.pk])).status_code == 404
    anonymous = Client().get(reverse("incidents:review-update", args=[case.pk]))
    assert anonymous.status_code == 302


def test_a_reader_sees_the_review_without_buttons(auditor: Any, handler: Any, case: Any) -> None:
    review = services.start_review(case, by=handler)
    services.update_review(review, by=handler, root_cause="Weak passwords everywhere")

    page = case_page(browser(auditor), case)

    assert "Weak passwords everywhere" in page
    assert reverse("incidents:review-complete", args=[case.pk]) not in page
    assert reverse("incidents:review-action-create", args=[case.pk]) not in page


def test_the_dashboard_counts_open_cases_by_grade_and_reports_due_and_overdue(
    handler: Any, outsider: Any, make_incident: Any, organisation: Any
) -> None:
    now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    major = make_incident(grade=Grade.MAJOR)
    make_incident(proposed_grade=Grade.GENERAL)
    make_incident(grade=Grade.MAJOR, status=IncidentStatus.CLOSED)
    make_incident(grade=Grade.MAJOR, unit=organisation.shanghai, handler=outsider)
    for hours in (-2, 5, 30):
        ReportingObligation.objects.create(
            incident=major,
            code=f"test:{hours}",
            kind=ObligationKind.INITIAL,
            recipient="Beijing Cyberspace Administration",
            due_at=now + dt.timedelta(hours=hours),
        )

    tiles = {str(tile.label): tile for tile in incident_tiles(handler, now=now)}

    assert tiles["Open incidents: Major"].count == 1
    assert tiles["Open incidents: Major"].is_warning
    assert tiles["Open incidents: General"].count == 1
    assert tiles["Open incidents: Major"].url == reverse("incidents:incident-list") + "?grade=major"
    assert tiles["Incident reports due within 24 hours"].count == 1
    assert tiles["Overdue incident reports"].count == 1
    assert tiles["Overdue incident reports"].url.endswith("?overdue=yes")
    assert {str(tile.label) for tile in incident_tiles(outsider, now=now)} >= {"Open incidents: Major"}
    assert incident_tiles(outsider, now=now)[0].count == 1


def test_the_home_dashboard_shows_the_incident_tiles(handler: Any, make_incident: Any) -> None:
    make_incident(grade=Grade.RELATIVELY_MAJOR)

    page = browser(handler).get(reverse("web:dashboard")).content.decode()

    assert "Open incidents: Relatively major" in page
    assert "Overdue incident reports" in page
