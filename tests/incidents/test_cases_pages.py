"""The case pages: the list with its filters and exports, the create and edit forms with
their errors (in Chinese too), the case page with every section and its workflow buttons,
the step form, the history and the deletion."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from garrison.assets.models import Tag
from garrison.core.models import Person
from garrison.incidents.models import (
    Grade,
    Incident,
    IncidentStatus,
    ObligationKind,
    ReportingObligation,
)
from garrison.incidents.services import cases as services
from tests.conftest import Organisation
from tests.incidents.cases_support import *  # noqa: F403
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:incident-list")
PARTIALS = (
    "_grading",
    "_obligations",
    "_reports",
    "_submissions",
    "_communications",
    "_timeline",
    "_tasks",
    "_indicators",
    "_evidence",
    "_review",
)


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def titles(response: Any) -> list[str]:
    return [row.object.title for row in response.context["rows"]]


def form_data(organisation: Organisation, handler: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "title": "Web defacement",
        "description": "The home page shows a political message.",
        "category": "",
        "subcategory": "",
        "occurred_at": "2026-03-02T08:00",
        "discovered_at": "2026-03-02T09:30",
        "handler": handler.username,
        "reported_by": "",
        "unit": organisation.beijing.pk,
        "affected_suppliers": "Hosting Co\nCDN Co",
        "tags": "defacement, web",
        "personal_information_people": "0",
        "service_outage_minutes": "45",
        "cii_full_outage_minutes": "0",
        "cii_main_function_outage_minutes": "0",
        "essential_services_people": "0",
        "province_population_percent": "0",
        "direct_loss_cny": "0",
    }
    data.update(changes)
    return data


def test_the_list_shows_open_cases_and_filters(
    make_incident: Any, handler: Person, organisation: Organisation, categories: Any, outsider: Person
) -> None:
    web = make_incident(title="Web attack", proposed_grade=Grade.MAJOR, discovered_at=shanghai(2026, 3, 1))
    ops = make_incident(
        title="Ops malware",
        category=categories["MP"],
        subcategory=categories["MP-RW"],
        unit=organisation.beijing_ops,
        grade=Grade.GENERAL,
        proposed_grade=Grade.MAJOR,
        discovered_at=shanghai(2026, 3, 5),
    )
    make_incident(title="Old closed case", status=IncidentStatus.CLOSED)
    make_incident(title="Shanghai case", unit=organisation.shanghai, handler=outsider)
    web.tags.add(Tag.objects.create(name="ddos"))
    ReportingObligation.objects.create(
        incident=web,
        code="initial:x",
        kind=ObligationKind.INITIAL,
        recipient="CAC",
        due_at=timezone.now() - dt.timedelta(hours=1),
    )
    client = browser(handler)
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(titles(response)) == {"Web attack", "Ops malware"}
    page = response.content.decode()
    assert "proposed: Major" in page
    assert web.reference in page
    assert "Shanghai case" not in page
    assert set(titles(client.get(LIST, {"status": "all"}))) == {
        "Web attack",
        "Ops malware",
        "Old closed case",
    }
    assert titles(client.get(LIST, {"status": "closed"})) == ["Old closed case"]
    assert titles(client.get(LIST, {"category": categories["MP"].pk})) == ["Ops malware"]
    assert titles(client.get(LIST, {"category": categories["MP-RW"].pk})) == ["Ops malware"]
    assert titles(client.get(LIST, {"grade": "major"})) == ["Web attack"]
    assert titles(client.get(LIST, {"grade": "general"})) == ["Ops malware"]
    assert set(titles(client.get(LIST, {"handler": "handler"}))) == {"Web attack", "Ops malware"}
    assert titles(client.get(LIST, {"handler": "nobody"})) == []
    assert titles(client.get(LIST, {"unit": organisation.beijing_ops.pk})) == ["Ops malware"]
    assert titles(client.get(LIST, {"discovered_from": "2026-03-03"})) == ["Ops malware"]
    assert titles(client.get(LIST, {"discovered_to": "2026-03-01"})) == ["Web attack"]
    assert titles(client.get(LIST, {"overdue": "yes"})) == ["Web attack"]
    assert titles(client.get(LIST, {"overdue": "no"})) == ["Ops malware"]
    assert titles(client.get(LIST, {"tag": "DDOS"})) == ["Web attack"]
    assert titles(client.get(LIST, {"q": ops.reference})) == ["Ops malware"]
    assert client.get(reverse("incidents:home")).status_code == 200


def test_the_list_exports_csv_and_xlsx(make_incident: Any, handler: Person, categories: Any) -> None:
    make_incident(title="Exported case", subcategory=categories["NA-DOS"], proposed_grade=Grade.GENERAL)
    client = browser(handler)
    response = client.get(LIST, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Title", "Category"]
    assert rows[1][1] == "Exported case"
    assert "proposed: General" in rows[1]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(LIST, {"export": "xlsx"}).streaming_content)))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.cell(row=2, column=2).value == "Exported case"


def test_the_create_form_records_a_case(handler: Person, organisation: Organisation, categories: Any) -> None:
    client = browser(handler)
    assert client.get(reverse("incidents:incident-create")).status_code == 200
    response = client.post(
        reverse("incidents:incident-create"),
        form_data(organisation, handler, category=categories["NA"].pk, subcategory=categories["NA-DOS"].pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    assert response["Location"] == reverse("incidents:incident-detail", args=[incident.pk])
    assert incident.discovered_at == shanghai(2026, 3, 2, 9, 30)
    assert incident.affected_suppliers == ["Hosting Co", "CDN Co"]
    assert services.tag_names(incident) == ["defacement", "web"]


def test_the_create_form_shows_errors_and_saves_nothing(
    handler: Person, organisation: Organisation, categories: Any
) -> None:
    client = browser(handler)
    response = client.post(
        reverse("incidents:incident-create"),
        form_data(
            organisation,
            handler,
            category=categories["NA"].pk,
            subcategory=categories["MP-RW"].pk,
            occurred_at="2026-03-02T10:00",
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "The incident cannot have occurred after it was discovered." in form.errors["occurred_at"]
    assert "MP-RW is not a sub-category of NA." in form.errors["subcategory"]
    assert not Incident.objects.exists()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.post(reverse("incidents:incident-create"), form_data(organisation, handler, title=""))
    assert chinese.status_code == 400
    assert "该字段是必填项。" in chinese.context["form"].errors["title"]
    assert "该字段是必填项。" in chinese.content.decode()
    assert not Incident.objects.exists()


def test_the_edit_form_changes_the_facts_with_a_reason(
    make_incident: Any, handler: Person, organisation: Organisation, categories: Any, auditor: Person
) -> None:
    incident = make_incident(title="Before")
    url = reverse("incidents:incident-update", args=[incident.pk])
    page = browser(handler).get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["handler"] == "handler"
    response = browser(handler).post(
        url,
        form_data(
            organisation,
            handler,
            title="After",
            category=categories["NA"].pk,
            discovered_at="2026-03-02T09:00",
            reason="Better title",
        ),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "After"
    assert browser(auditor).get(url).status_code == 404


def test_the_case_page_shows_every_section_and_the_allowed_steps(
    make_incident: Any, handler: Person, auditor: Person, outsider: Person
) -> None:
    incident = make_incident(title="Shown case")
    url = reverse("incidents:incident-detail", args=[incident.pk])
    response = browser(handler).get(url)
    assert response.status_code == 200
    used = [template.name for template in response.templates]
    expected = [f"incidents/{name}.html" for name in PARTIALS]
    assert [name for name in used if name in expected] == expected
    assert response.context["can_change"] is True
    assert response.context["incident"] == incident
    page = response.content.decode()
    for name in ("triage", "contain", "false_positive"):
        assert reverse("incidents:incident-transition", args=[incident.pk, name]) in page
    assert reverse("incidents:incident-transition", args=[incident.pk, "close"]) not in page
    read_only = browser(auditor).get(url)
    assert read_only.status_code == 200
    assert read_only.context["can_change"] is False
    assert "data-transition" not in read_only.content.decode()
    assert browser(outsider).get(url).status_code == 404


def test_the_step_buttons_and_the_reason_form(make_incident: Any, handler: Person, auditor: Person) -> None:
    incident = make_incident()
    client = browser(handler)
    triage = reverse("incidents:incident-transition", args=[incident.pk, "triage"])
    assert browser(auditor).post(triage).status_code == 404
    assert client.post(triage).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIAGE
    false_positive = reverse("incidents:incident-transition", args=[incident.pk, "false_positive"])
    assert client.get(false_positive).status_code == 200
    refused = client.post(false_positive, {"reason": ""})
    assert refused.status_code == 400
    assert client.post(false_positive, {"reason": "Test traffic"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FALSE_POSITIVE
    wrong = client.post(reverse("incidents:incident-transition", args=[incident.pk, "close"]))
    assert wrong.status_code == 400
    assert (
        client.get(reverse("incidents:incident-transition", args=[incident.pk, "nonsense"])).status_code
        == 404
    )
    history = client.get(reverse("incidents:incident-history", args=[incident.pk]))
    assert history.status_code == 200
    assert "Test traffic" in history.content.decode()


def test_a_case_is_deleted_from_its_page(make_incident: Any, handler: Person, auditor: Person) -> None:
    incident = make_incident()
    url = reverse("incidents:incident-delete", args=[incident.pk])
    assert browser(auditor).post(url).status_code == 404
    assert browser(handler).get(url).status_code == 200
    response = browser(handler).post(url, {"reason": "Duplicate"})
    assert response.status_code == 302
    assert not Incident.objects.exists()
