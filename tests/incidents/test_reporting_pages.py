"""The reporting pages: the case's obligations card with its countdowns, the deadlines
list, recording a submission, waiving, drafting a report, the profile."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from garrison.core.roles import Role
from garrison.incidents.models import Grade, ObligationStatus, OperatorKind, Submission
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.services import profile as profile_services


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def overdue_case(make_incident: Any, handler: Any) -> Any:
    case = make_incident(
        proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=timezone.now() - dt.timedelta(hours=5)
    )
    obligation_services.recompute_obligations(case, by=handler)
    return case


@pytest.fixture
def due_case(make_incident: Any, handler: Any) -> Any:
    case = make_incident(
        proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=timezone.now() - dt.timedelta(hours=1)
    )
    obligation_services.recompute_obligations(case, by=handler)
    return case


def test_the_obligations_card_shows_countdowns_and_marks_the_overdue(
    overdue_case: Any, due_case: Any
) -> None:
    now = timezone.now()
    overdue = render_to_string(
        "incidents/_obligations.html", {"incident": overdue_case, "can_change": True, "now": now}
    )
    initial = overdue_case.obligations.get(code="initial:provincial_cyberspace_administration")
    assert f'data-countdown="{timezone.localtime(initial.due_at).isoformat()}' in overdue
    assert "obligation-overdue" in overdue
    assert "countdown.js" in overdue
    assert reverse("incidents:obligation-waive", args=[initial.pk]) in overdue
    fine = render_to_string(
        "incidents/_obligations.html", {"incident": due_case, "can_change": False, "now": now}
    )
    assert "data-countdown" in fine
    assert "obligation-overdue" not in fine
    assert "Record submission" not in fine


def test_the_case_page_holds_the_reporting_cards(overdue_case: Any, handler: Any) -> None:
    page = browser(handler).get(reverse("incidents:incident-detail", args=[overdue_case.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="obligations"' in content
    assert "data-countdown" in content
    assert 'id="submissions"' in content
    assert 'id="reports"' in content
    assert 'id="communications"' in content


def test_the_deadlines_list_shows_the_next_day_and_the_overdue_with_a_csv_export(
    overdue_case: Any, due_case: Any, handler: Any, outsider: Any, make_incident: Any
) -> None:
    later = make_incident(
        proposed_grade=Grade.RELATIVELY_MAJOR, discovered_at=timezone.now() + dt.timedelta(days=3)
    )
    obligation_services.recompute_obligations(later, by=handler)
    url = reverse("incidents:obligation-due-list")
    page = browser(handler).get(url)
    content = page.content.decode()
    assert page.status_code == 200
    assert overdue_case.reference in content
    assert due_case.reference in content
    assert later.reference not in content
    assert content.count("obligation-overdue") == 1
    assert "countdown.js" in content
    assert "data-countdown" in content
    assert later.reference in browser(handler).get(url, {"window": "7d"}).content.decode()
    assert overdue_case.reference not in browser(outsider).get(url).content.decode()
    export = browser(handler).get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [overdue_case.reference, due_case.reference]


def test_recording_a_submission_from_the_case(due_case: Any, handler: Any) -> None:
    obligation = due_case.obligations.get(code="initial:provincial_cyberspace_administration")
    url = reverse("incidents:submission-create", args=[due_case.pk]) + f"?obligation={obligation.pk}"
    form = browser(handler).get(url)
    assert form.status_code == 200
    assert "Provincial cyberspace administration" in form.content.decode()
    refused = browser(handler).post(url, {"obligation": obligation.pk, "channel": "email", "recipient": ""})
    assert refused.status_code == 400
    assert "A submission needs the time it was sent and its recipient." in refused.content.decode()
    assert not Submission.objects.exists()
    sent_at = timezone.localtime(timezone.now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    done = browser(handler).post(
        url, {"obligation": obligation.pk, "channel": "email", "recipient": "BJ CAC", "sent_at": sent_at}
    )
    assert done.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.SUBMITTED
    card = render_to_string(
        "incidents/_obligations.html", {"incident": due_case, "can_change": True, "now": timezone.now()}
    )
    assert "submitted on time" in card


def test_waiving_from_the_page_needs_a_reason(due_case: Any, handler: Any, outsider: Any) -> None:
    obligation = due_case.obligations.get(code="final")
    url = reverse("incidents:obligation-waive", args=[obligation.pk])
    assert browser(outsider).get(url).status_code == 404
    assert browser(handler).post(url, {"reason": ""}).status_code == 400
    assert browser(handler).post(url, {"reason": "Agreed with the regulator"}).status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.WAIVED


def test_drafting_a_report_and_downloading_its_pdf(due_case: Any, handler: Any) -> None:
    client = browser(handler)
    url = reverse("incidents:report-create", args=[due_case.pk]) + "?kind=initial"
    assert client.get(url).status_code == 200
    created = client.post(url)
    assert created.status_code == 302
    report = due_case.reports.get()
    detail = client.get(reverse("incidents:report-detail", args=[report.pk]))
    assert detail.status_code == 200
    assert 'id="report-partial"' in detail.content.decode()
    pdf = client.get(reverse("incidents:report-pdf", args=[report.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_the_profile_page_is_a_form_for_administrators_only(
    organisation: Any, make_person: Any, handler: Any
) -> None:
    administrator = make_person("admin", organisation.root, (Role.ADMINISTRATOR, organisation.root))
    url = reverse("incidents:reporting-profile")
    read = browser(handler).get(url)
    assert read.status_code == 200
    assert 'id="profile-values"' in read.content.decode()
    assert browser(handler).post(url, {"operator_kind": "state_organ"}).status_code == 403
    saved = browser(administrator).post(
        url, {"operator_kind": "state_organ", "reporting_unit_name": "Example Ltd"}
    )
    assert saved.status_code == 302
    assert profile_services.get_profile().operator_kind == OperatorKind.STATE_ORGAN
