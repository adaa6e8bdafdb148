"""The log source pages: the list with its filters and export, registering and editing a
source, its page (batches, tree head, reports, upload, "audit now"), uploading good and bad
files, downloading a batch, and what each person may see and do (the owner's officer, an
auditor who only reads, an outsider from Shanghai who sees nothing)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person
from garrison.logaudit.models import AuditReport, LogBatch, LogFormat, LogSource
from garrison.logaudit.services.sources import create_source
from tests.conftest import Organisation
from tests.logaudit.test_sealing_services import make_report
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import EVENTS, seal

pytestmark = pytest.mark.django_db

LIST = reverse("logaudit:source-list")
CREATE = reverse("logaudit:source-create")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def detail(source: LogSource) -> str:
    return reverse("logaudit:source-detail", args=[source.pk])


def upload(source: LogSource) -> str:
    return reverse("logaudit:source-upload", args=[source.pk])


@pytest.fixture
def shanghai_source(organisation: Organisation, make_asset: Any, outsider: Person) -> LogSource:
    server = make_asset(name="sh-bastion", unit=organisation.shanghai, owner=outsider)
    return create_source(by=outsider, name="sh bastion", asset=server, log_format=LogFormat.BASTION)


def test_the_list_filters_and_exports(
    log_source: LogSource, security_officer: Person, make_asset: Any, shanghai_source: LogSource
) -> None:
    plain = make_asset(name="file-server")
    syslog = create_source(
        by=security_officer, name="file-server syslog", asset=plain, log_format=LogFormat.SYSLOG
    )
    seal(log_source)
    client = browser(security_officer)
    page = client.get(LIST)
    assert page.status_code == 200
    assert [row.object for row in page.context["rows"]] == [log_source, syslog]
    assert [row.object for row in client.get(LIST, {"critical_system": "true"}).context["rows"]] == [
        log_source
    ]
    assert [row.object for row in client.get(LIST, {"log_format": "syslog"}).context["rows"]] == [syslog]
    assert [row.object for row in client.get(LIST, {"asset": plain.pk}).context["rows"]] == [syslog]
    assert [row.object for row in client.get(LIST, {"q": "billing"}).context["rows"]] == [log_source]
    out_of_reach = client.get(LIST, {"asset": shanghai_source.asset.pk})
    assert shanghai_source not in [row.object for row in out_of_reach.context["rows"]]
    export = client.get(LIST, {"export": "csv", "audit_enabled": "true"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert rows[0][:3] == ["Reference", "Name", "Asset reference"]
    assert [row[1] for row in rows[1:]] == ["billing-db processes", "file-server syslog"]
    assert rows[1][10] == "1"


def test_an_officer_registers_a_source_on_a_critical_system(
    security_officer: Person, critical_system: Asset, owner: Person
) -> None:
    client = browser(security_officer)
    form = client.get(CREATE)
    assert form.status_code == 200
    choices = [label for _value, label in form.context["form"].fields["asset"].choices]
    assert any("billing-db · critical information system" in str(label) for label in choices)
    response = client.post(
        CREATE,
        {
            "name": "billing auditd",
            "asset": critical_system.pk,
            "log_format": "auditd",
            "owner": "secofficer",
            "reviewer": "owner",
            "audit_enabled": "on",
            "description": "",
        },
    )
    source = LogSource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(source)
    assert (source.owner, source.reviewer, source.log_format) == (security_officer, owner, LogFormat.AUDITD)


def test_the_form_refuses_an_asset_out_of_reach(security_officer: Person, shanghai_source: LogSource) -> None:
    response = browser(security_officer).post(
        CREATE, {"name": "x", "asset": shanghai_source.asset.pk, "log_format": "jsonl", "owner": "secofficer"}
    )
    assert response.status_code == 400
    assert "asset" in response.context["form"].errors
    assert LogSource.objects.count() == 1


def test_editing_records_the_reason(log_source: LogSource, security_officer: Person) -> None:
    client = browser(security_officer)
    edit = reverse("logaudit:source-edit", args=[log_source.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "name": "billing-db (renamed)",
            "asset": log_source.asset.pk,
            "log_format": "jsonl",
            "owner": "secofficer",
            "reviewer": "secofficer",
            "description": "",
            "reason": "clearer name",
        },
    )
    assert response.status_code == 302
    log_source.refresh_from_db()
    assert log_source.name == "billing-db (renamed)"
    assert log_source.audit_enabled is False  # an unticked box
    event = AuditEvent.objects.filter(object_type="logaudit.logsource", action="update").get()
    assert event.reason == "clearer name"


def test_the_source_page_shows_batches_tree_head_and_reports(
    log_source: LogSource, security_officer: Person
) -> None:
    seal(log_source, EVENTS + b"garbage\n", filename="monday.jsonl")
    batch = seal(log_source, filename="tuesday.jsonl")
    report = make_report(log_source, 2)
    page = browser(security_officer).get(detail(log_source))
    assert page.status_code == 200
    html = page.content.decode()
    assert "monday.jsonl" in html
    assert "tuesday.jsonl" in html
    assert batch.sha256[:12] in html
    assert page.context["tree_size"] == 2
    assert page.context["tree_head"] == report.tree_head
    assert report.tree_head in html
    assert reverse("logaudit:report-detail", args=[report.pk]) in html
    assert reverse("logaudit:batch-download", args=[batch.pk]) in html
    assert 'id="audit-now"' in html
    assert upload(log_source) in html


def test_uploading_logs_seals_a_batch_and_says_what_was_malformed(
    log_source: LogSource, security_officer: Person
) -> None:
    client = browser(security_officer)
    assert client.get(upload(log_source)).status_code == 200
    file = SimpleUploadedFile("day.jsonl", EVENTS + b"not json\n")
    response = client.post(upload(log_source), {"file": file}, follow=True)
    assert response.redirect_chain[-1][0] == detail(log_source)
    batch = LogBatch.objects.get()
    assert (batch.sequence, batch.event_count, batch.malformed_count) == (0, 2, 1)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Batch 0 sealed: 2 events, 1 malformed lines. Malformed lines: 3."]


def test_a_binary_upload_is_refused_with_a_translated_error(
    log_source: LogSource, security_officer: Person
) -> None:
    client = browser(security_officer)
    file = SimpleUploadedFile("logs.gz", b"\x1f\x8b\x08\x00\x00binary")
    response = client.post(upload(log_source), {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not LogBatch.objects.exists()


def test_downloading_a_batch_gives_its_bytes_and_hash(log_source: LogSource, auditor: Person) -> None:
    batch = seal(log_source, filename="monday.jsonl")
    response = browser(auditor).get(reverse("logaudit:batch-download", args=[batch.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == EVENTS  # type: ignore[attr-defined]
    assert response["X-Content-SHA256"] == batch.sha256
    assert 'filename="monday.jsonl"' in response["Content-Disposition"]


def test_audit_now_queues_a_report_and_opens_it(log_source: LogSource, security_officer: Person) -> None:
    response = browser(security_officer).post(reverse("logaudit:source-audit", args=[log_source.pk]))
    report = AuditReport.objects.get(source=log_source)
    assert response.status_code == 302
    assert response["Location"] == reverse("logaudit:report-detail", args=[report.pk])


def test_an_auditor_reads_but_changes_nothing(log_source: LogSource, auditor: Person) -> None:
    client = browser(auditor)
    page = client.get(detail(log_source))
    assert page.status_code == 200
    assert page.context["edit_url"] is None
    assert page.context["upload_form"] is None
    assert 'id="audit-now"' not in page.content.decode()
    assert client.get(LIST).context["create_url"] is None
    assert client.get(CREATE).status_code == 404
    assert client.get(reverse("logaudit:source-edit", args=[log_source.pk])).status_code == 404
    assert client.post(upload(log_source), {"file": SimpleUploadedFile("a.jsonl", EVENTS)}).status_code == 404
    assert client.post(reverse("logaudit:source-audit", args=[log_source.pk])).status_code == 404
    assert not LogBatch.objects.exists()
    assert not AuditReport.objects.exists()


def test_an_outsider_from_shanghai_sees_nothing_of_beijing(
    log_source: LogSource, outsider: Person, shanghai_source: LogSource, colleague: Person
) -> None:
    batch = seal(log_source)
    client = browser(outsider)
    assert [row.object for row in client.get(LIST).context["rows"]] == [shanghai_source]
    for url in (
        detail(log_source),
        reverse("logaudit:source-edit", args=[log_source.pk]),
        upload(log_source),
        reverse("logaudit:batch-download", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 404
    assert browser(colleague).get(detail(log_source)).status_code == 404
    assert browser(colleague).get(LIST).context["rows"] == []
