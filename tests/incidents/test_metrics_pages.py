"""The incident metrics page and its CSV and XLSX exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from garrison.core.models import AuditEvent
from garrison.core.models.audit import AuditAction
from garrison.incidents.models import Grade, IncidentStatus
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_incident: Any, organisation: Any, outsider: Any) -> None:
    make_incident(
        discovered_at=shanghai(2026, 3, 2, 10),
        occurred_at=shanghai(2026, 3, 2, 7),
        handling_ended_at=shanghai(2026, 3, 3, 10),
        grade=Grade.MAJOR,
    )
    make_incident(discovered_at=shanghai(2026, 4, 1, 0, 30), occurred_at=shanghai(2026, 3, 31, 23, 30))
    make_incident(discovered_at=shanghai(2026, 3, 9), status=IncidentStatus.FALSE_POSITIVE)
    make_incident(discovered_at=shanghai(2026, 3, 6), unit=organisation.shanghai, handler=outsider)


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_page_shows_each_month_with_its_means(handler: Any, cases: None) -> None:
    response = browser(handler).get(reverse("incidents:metrics"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-03" in page
    assert "2026-04" in page
    assert '<td class="text-end">3.0</td>' in page  # hours to detect in March
    assert '<td class="text-end">24.0</td>' in page  # hours to resolve in March
    assert "format=xlsx" in page


def test_the_page_groups_by_grade_within_a_range(handler: Any, cases: None) -> None:
    response = browser(handler).get(
        reverse("incidents:metrics"), {"group": "grade", "from": "2026-03-01", "to": "2026-03-31"}
    )

    lines = response.context["lines"]
    assert [(line.key, line.label, line.count) for line in lines] == [("major", "Major", 1)]
    assert response.context["total"].count == 1
    assert "group=grade" in response.context["export_query"]


def test_a_range_ending_before_it_starts_is_refused(handler: Any) -> None:
    response = browser(handler).get(reverse("incidents:metrics"), {"from": "2026-03-02", "to": "2026-03-01"})

    assert response.status_code == 400
    assert "The end of the range cannot be before its start." in response.content.decode()


def test_the_csv_export_holds_the_groups_and_the_total_and_is_audited(handler: Any, cases: None) -> None:
    response = browser(handler).get(reverse("incidents:metrics-export"), {"format": "csv", "group": "month"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "Group,Cases,Mean hours to detect,Mean hours to contain,Mean hours to resolve"
    assert lines[1:] == ["2026-03,1,3.0,,24.0", "2026-04,1,1.0,,", "All cases,2,2.0,,24.0"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.changes["format"] == "csv"
    assert event.changes["filters"] == {"group": "month"}
    assert event.changes["rows"] == 2


def test_the_xlsx_export_keeps_numbers_typed(handler: Any, cases: None) -> None:
    response = browser(handler).get(
        reverse("incidents:metrics-export"), {"format": "xlsx", "group": "category"}
    )

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Group", "Cases")
    assert rows[1][1:3] == (2, 2.0)
    assert rows[-1][0] == "All cases"


def test_exports_refuse_unknown_formats_and_people_without_the_incident_domain(
    handler: Any, colleague: Any
) -> None:
    assert browser(handler).get(reverse("incidents:metrics-export"), {"format": "pdf"}).status_code == 404
    assert browser(colleague).get(reverse("incidents:metrics")).status_code == 404
    assert browser(colleague).get(reverse("incidents:metrics-export")).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
