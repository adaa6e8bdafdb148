"""CSV and XLSX exports: the writers, the web list export and the API export action."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from garrison.core import exports
from garrison.core.models import AuditEvent
from garrison.core.models.audit import AuditAction
from garrison.core.services import org

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def body_of(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response: Any) -> list[list[str]]:
    data = body_of(response)
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(body_of(response)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def crowd_with_chinese_and_formulas(organisation: Any) -> None:
    org.create_person(by=None, username="zhang", full_name="张伟", unit=organisation.beijing)
    org.create_person(
        by=None, username="mallory", full_name='=HYPERLINK("http://x")', unit=organisation.beijing
    )
    for number in range(30):
        org.create_person(
            by=None,
            username=f"crowd{number:02d}",
            full_name=f"Crowd {number:02d}",
            unit=organisation.beijing_ops,
        )


# The writers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_it_neutralises_cells_that_a_spreadsheet_would_run_as_formulas(text: str) -> None:
    assert exports.neutralise(text) == "'" + text


def test_it_leaves_ordinary_text_and_numbers_alone() -> None:
    assert exports.neutralise("Beijing site") == "Beijing site"
    assert exports.cell_text(-5) == "-5"
    assert exports.cell_value(-5) == -5


def test_it_writes_csv_with_a_byte_order_mark_and_chinese_intact() -> None:
    columns = [exports.Column("名称", "name"), exports.Column("Formula", "formula")]
    rows = [type("Row", (), {"name": "北京数据中心", "formula": "=cmd|' /C calc'!A0"})()]
    text = "".join(exports.csv_lines(columns, rows))
    assert text.startswith("\ufeff名称,Formula")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1] == ["北京数据中心", "'=cmd|' /C calc'!A0"]


def test_it_writes_times_in_the_persons_zone() -> None:
    moment = dt.datetime(2025, 1, 1, 0, 30, tzinfo=dt.UTC)
    with timezone.override(SHANGHAI):
        assert exports.cell_text(moment) == "2025-01-01 08:30:00"
        assert exports.cell_value(moment) == dt.datetime(2025, 1, 1, 8, 30)


def test_it_writes_xlsx_rows_from_an_iterator() -> None:
    columns = [exports.Column("Name", "name")]
    rows = (type("Row", (), {"name": f"名字 {number}"})() for number in range(3))
    target = io.BytesIO()
    exports.write_xlsx(columns, rows, target, title="People: all [x]")
    workbook = load_workbook(io.BytesIO(target.getvalue()), read_only=True)
    assert list(workbook.active.iter_rows(values_only=True)) == [
        ("Name",),
        ("名字 0",),
        ("名字 1",),
        ("名字 2",),
    ]
    assert workbook.active.title == "People  all  x"


# The web list export ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_people_list_exports_every_filtered_row_as_csv(
    client: Any, owner: Any, organisation: Any, crowd_with_chinese_and_formulas: None
) -> None:
    client.force_login(owner)
    response = client.get(
        reverse("core:person-list"), {"unit": organisation.beijing_ops.pk, "export": "csv", "page": 2}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Name", "Username", "Unit", "Job title", "Manager", "Status"]
    assert len(rows) == 31  # all thirty, not one page of them
    assert rows[1][:3] == ["Crowd 00", "crowd00", "Beijing Operations"]


@pytest.mark.django_db
def test_the_people_list_exports_xlsx_with_chinese_and_neutralised_formulas(
    client: Any, owner: Any, organisation: Any, crowd_with_chinese_and_formulas: None
) -> None:
    client.force_login(owner)
    response = client.get(reverse("core:person-list"), {"unit": organisation.beijing.pk, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    rows = xlsx_rows(response)
    names = [row[0] for row in rows[1:]]
    assert len(rows) == 1 + 33  # owner, 张伟, mallory and the crowd
    assert "张伟" in names
    assert '\'=HYPERLINK("http://x")' in names


@pytest.mark.django_db
def test_an_export_is_recorded_in_the_audit_trail(
    client: Any, owner: Any, organisation: Any, crowd_with_chinese_and_formulas: None
) -> None:
    client.force_login(owner)
    client.get(reverse("core:person-list"), {"q": "crowd", "export": "csv"})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor_id == owner.pk
    assert event.object_type == "core.person"
    assert event.object_id == "*"
    assert event.changes == {"filters": {"q": "crowd"}, "rows": 30, "format": "csv"}


@pytest.mark.django_db
def test_an_export_holds_only_rows_the_person_may_see(
    client: Any, outsider: Any, crowd_with_chinese_and_formulas: None
) -> None:
    client.force_login(outsider)
    rows = csv_rows(client.get(reverse("core:person-list"), {"export": "csv"}))
    assert [row[1] for row in rows[1:]] == ["outsider"]


@pytest.mark.django_db
def test_the_export_query_count_does_not_grow_with_rows(
    client: Any, owner: Any, organisation: Any, crowd_with_chinese_and_formulas: None
) -> None:
    client.force_login(owner)
    counts = []
    for batch in ("a", "b"):
        for number in range(40):
            manager = org.create_person(
                by=None, username=f"m{batch}{number}", full_name="Manager", unit=organisation.beijing
            )
            org.create_person(
                by=None,
                username=f"r{batch}{number}",
                full_name="Report",
                unit=organisation.beijing,
                manager=manager,
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("core:person-list"), {"export": "csv"})
            rows = csv_rows(response)
        counts.append((len(rows), len(queries)))
    assert counts[0][0] < counts[1][0]
    assert counts[0][1] == counts[1][1]


# The API export --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_exports_filtered_people_as_xlsx(
    api: Any, owner: Any, organisation: Any, crowd_with_chinese_and_formulas: None
) -> None:
    response = api.as_(owner).get(
        "/api/people/export/", {"file_format": "xlsx", "unit": organisation.beijing.pk}
    )
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0] == ("Name", "Username", "Unit", "Job title", "Manager", "Status")
    assert sorted(row[1] for row in rows[1:]) == ["mallory", "owner", "zhang"]


@pytest.mark.django_db
def test_the_api_export_defaults_to_csv_and_applies_search(
    api: Any, owner: Any, crowd_with_chinese_and_formulas: None
) -> None:
    response = api.as_(owner).get("/api/people/export/", {"search": "张"})
    assert response.status_code == 200
    assert [row[0] for row in csv_rows(response)[1:]] == ["张伟"]


@pytest.mark.django_db
def test_the_api_export_rejects_an_unknown_format_with_a_field_error(api: Any, owner: Any) -> None:
    response = api.as_(owner).get("/api/people/export/", {"file_format": "pdf"})
    assert response.status_code == 400
    assert "file_format" in response.json()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db
def test_the_api_export_refuses_anonymous_callers(api: Any, organisation: Any) -> None:
    response = api.as_(None).get("/api/people/export/")
    assert response.status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "first_header"),
    [
        ("/api/units/export/", "Name"),
        ("/api/role-assignments/export/", "Person"),
        ("/api/audit-events/export/", "Sequence"),
    ],
)
def test_the_other_core_lists_export_too(api: Any, auditor: Any, path: str, first_header: str) -> None:
    response = api.as_(auditor).get(path, {"file_format": "csv"})
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0][0] == first_header
    assert len(rows) > 1
