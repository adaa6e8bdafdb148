"""Fixes from review: editing a person with a manager, exports of awkward text, the source
address behind a proxy, audit filter labels per language, mail subjects, job discovery and
the `garrison help` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from garrison.core import scheduling
from garrison.core.forms.audit import object_type_choices
from garrison.core.management.commands import run_job as run_job_command
from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services import notifications, org
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """The values a browser would submit for the first form with a submit button: what
    the page pre-filled, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "input" and name and attributes.get("type") not in {"submit", "checkbox", "password"}:
            self.values[name] = attributes.get("value", "")
        elif tag == "input" and name and attributes.get("type") == "checkbox" and "checked" in attributes:
            self.values[name] = attributes.get("value", "on")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = FormValues()
    parser.feed(html)
    return parser.values


# 1. Editing a person who has a manager --------------------------------------------------------


def test_saving_an_unchanged_edit_of_a_person_with_a_manager_keeps_the_manager(
    client: Any, owner: Person, colleague: Person, organisation: Any
) -> None:
    report = org.create_person(
        by=None, username="report", full_name="Report", unit=organisation.beijing, manager=colleague
    )
    # A username that is another person's id must not be mistaken for the pre-filled manager.
    org.create_person(by=None, username=str(colleague.pk), full_name="Numeric", unit=organisation.beijing)
    client.force_login(owner)
    url = reverse("core:person-edit", args=[report.pk])

    page = client.get(url)
    values = form_values(page.content.decode())
    assert values["manager"] == "colleague"
    response = client.post(url, values)

    assert response.status_code == 302, response.context["form"].errors
    report.refresh_from_db()
    assert report.manager_id == colleague.pk


# 2. and 3. Exports ----------------------------------------------------------------------------


def test_the_xlsx_export_drops_control_characters_a_spreadsheet_cannot_hold(
    api: Any, owner: Person, organisation: Any
) -> None:
    org.create_person(
        by=None, username="bell", full_name="Bell", unit=organisation.beijing, job_title="Ring\x07=1+1"
    )

    response = api.as_(owner).get("/api/people/export/", {"file_format": "xlsx", "search": "bell"})

    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][1] == "bell"
    assert rows[1][3] == "Ring=1+1"


def test_the_xlsx_cell_is_neutralised_after_control_characters_are_dropped() -> None:
    from garrison.core.exports import cell_value

    assert cell_value("\x07=SUM(A1)") == "'=SUM(A1)"


def test_the_api_export_records_only_the_parameters_it_used_and_survives_a_nul(
    api: Any, owner: Person, organisation: Any
) -> None:
    response = api.as_(owner).get(
        "/api/people/export/?file_format=csv&x=%00&ordering=username&search=own&unit="
        + str(organisation.beijing.pk)
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.changes["filters"] == {
        "ordering": "username",
        "search": "own",
        "unit": str(organisation.beijing.pk),
    }


def test_the_recorded_export_filters_hold_no_nul_character() -> None:
    from django.http import QueryDict

    from garrison.core.exports import filters_from

    params = QueryDict("search=own%00er&note%00=x")

    assert filters_from(params) == {"search": "owner", "note": "x"}
    assert filters_from(params, keep={"search"}) == {"search": "owner"}


# 4. The source address behind a proxy ---------------------------------------------------------


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_forwarded_address_that_is_not_an_address_falls_back_to_the_connection(
    client: Any, colleague: Person
) -> None:
    response = client.post(
        reverse("login"),
        {"username": "colleague", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="unknown",
        REMOTE_ADDR="192.0.2.7",
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.LOGIN, actor=colleague)
    assert event.source_ip == "192.0.2.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_forwarded_address_is_stored_in_its_canonical_form(client: Any, colleague: Person) -> None:
    client.post(
        reverse("login"),
        {"username": "colleague", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.1, 2001:DB8:0:0:0:0:0:1",
    )

    event = AuditEvent.objects.get(action=AuditAction.LOGIN, actor=colleague)
    assert event.source_ip == "2001:db8::1"


# 5. Audit filter labels -----------------------------------------------------------------------


def test_the_audit_object_type_labels_follow_the_active_language() -> None:
    with translation.override("zh-hans"):
        chinese = dict(object_type_choices())
    with translation.override("en"):
        english = dict(object_type_choices())

    assert english["core.person"] == "person (core.person)"
    assert chinese["core.person"] != english["core.person"]


# 7. Mail subjects -----------------------------------------------------------------------------


def test_a_notification_title_with_a_line_break_is_mailed_on_one_line(colleague: Person) -> None:
    Person.objects.filter(pk=colleague.pk).update(email="colleague@example.com")
    colleague.refresh_from_db()
    mail.outbox.clear()
    notification = notifications.notify(colleague, "role_granted", title="Unit\r\nBcc: evil@example.com")
    assert notification is not None

    assert notifications.deliver_email(notification.pk) is True
    [message] = mail.outbox
    assert message.subject == "[Garrison] Unit Bcc: evil@example.com"
    assert "\n" not in message.message()["Subject"]


# 8. Jobs of later apps ------------------------------------------------------------------------


def test_run_job_discovers_the_tasks_modules_before_looking_the_job_up(monkeypatch: Any) -> None:
    monkeypatch.setattr(scheduling, "_jobs", dict(scheduling._jobs))
    discovered: list[str] = []

    def register_late_job(module_name: str) -> None:
        # What importing a later app's tasks module does.
        discovered.append(module_name)
        template = scheduling.get_job("core.purge-login-failures")
        scheduling._jobs["tests.late"] = dataclasses.replace(
            template, name="tests.late", function=lambda now: "late job ran"
        )

    monkeypatch.setattr(run_job_command, "autodiscover_modules", register_late_job)
    out = StringIO()

    call_command("run_job", "tests.late", "--at", "2026-11-29T12:00:00+00:00", stdout=out)

    assert discovered == ["tasks"]
    assert "tests.late" in out.getvalue()
    assert "late job ran" in out.getvalue()


def test_run_job_still_runs_a_core_job() -> None:
    out = StringIO()
    moment = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC).isoformat()

    call_command("run_job", "core.purge-login-failures", "--at", moment, stdout=out)

    assert "core.purge-login-failures" in out.getvalue()
    assert "succeeded" in out.getvalue()


# 11. `garrison help` --------------------------------------------------------------------------


def test_help_accepts_a_dashed_command_name() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "garrison.cli", "help", "seed-demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "--if-empty" in result.stdout


def test_a_web_export_records_only_the_filters_that_shaped_it(client: Client, owner: Person) -> None:
    client.force_login(owner)

    response = client.get("/people/", {"export": "csv", "q": "owner", "noise": "anything\x00at all"})
    event = AuditEvent.objects.filter(action="export").latest("sequence")

    assert response.status_code == 200
    assert event.changes["filters"] == {"q": "owner"}
