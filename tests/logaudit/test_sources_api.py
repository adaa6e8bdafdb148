"""The API of log sources and batches: register, change with a reason, upload a batch
(and the refusal of a bad one), ask for an audit, read the tree head, list, export and
download batches, for the officer who keeps the source, an auditor who reads, and an
outsider who sees nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person
from garrison.logaudit.models import AuditReport, LogBatch, LogFormat, LogSource
from garrison.logaudit.services.sealing import tree_head_for
from garrison.logaudit.services.sources import create_source
from tests.conftest import Organisation
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import EVENTS, seal

pytestmark = pytest.mark.django_db

SOURCES = "/api/logaudit/sources/"
BATCHES = "/api/logaudit/batches/"


def test_an_officer_registers_and_changes_a_source(
    api: Any, security_officer: Person, critical_system: Asset, owner: Person
) -> None:
    created = api.as_(security_officer).post(
        SOURCES,
        {"name": "billing auditd", "asset": critical_system.pk, "log_format": "auditd"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["reference"].startswith("LS-")
    assert (body["owner"], body["reviewer"], body["is_critical_system"], body["batch_total"]) == (
        security_officer.pk,
        security_officer.pk,
        True,
        0,
    )
    changed = api.patch(f"{SOURCES}{body['id']}/", {"reviewer": owner.pk, "reason": "rota"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["reviewer_name"] == owner.full_name
    event = AuditEvent.objects.get(object_type="logaudit.logsource", action="update")
    assert event.reason == "rota"
    history = api.get(f"{SOURCES}{body['id']}/history/")
    assert history.status_code == 200
    assert len(history.json()["results"]) == 2


def test_it_refuses_an_asset_in_another_site(
    api: Any, security_officer: Person, organisation: Organisation, make_asset: Any
) -> None:
    elsewhere = make_asset(name="sh", unit=organisation.shanghai)
    response = api.as_(security_officer).post(
        SOURCES, {"name": "x", "asset": elsewhere.pk, "log_format": "jsonl"}, format="json"
    )
    assert response.status_code == 400
    assert "asset" in response.json()
    assert not LogSource.objects.exists()


def test_uploading_a_batch_answers_with_its_counts(
    api: Any, log_source: LogSource, security_officer: Person
) -> None:
    response = api.as_(security_officer).post(
        f"{SOURCES}{log_source.pk}/batches/",
        {"file": SimpleUploadedFile("day.jsonl", EVENTS + b"{nope\n")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["sequence"], body["event_count"], body["malformed_count"]) == (0, 2, 1)
    assert body["malformed_lines"][0]["line"] == 3
    assert body["source_reference"] == log_source.reference
    tree = api.get(f"{SOURCES}{log_source.pk}/tree/").json()
    assert tree == {"size": 1, "head": tree_head_for(log_source, 1)}


def test_an_empty_upload_is_refused_and_nothing_is_stored(
    api: Any, log_source: LogSource, security_officer: Person
) -> None:
    response = api.as_(security_officer).post(
        f"{SOURCES}{log_source.pk}/batches/",
        {"file": SimpleUploadedFile("blob.bin", b"\x00\x01\x02binary")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["file"][0].startswith("The file is binary")
    assert not LogBatch.objects.exists()


def test_batches_are_listed_filtered_exported_and_downloaded(
    api: Any, log_source: LogSource, auditor: Person
) -> None:
    first = seal(log_source, filename="monday.jsonl")
    seal(log_source, EVENTS + b"{}\n", filename="tuesday.jsonl")
    client = api.as_(auditor)
    listed = client.get(BATCHES, {"source": log_source.pk})
    assert [row["filename"] for row in listed.json()["results"]] == ["monday.jsonl", "tuesday.jsonl"]
    assert client.get(BATCHES, {"pruned": "true"}).json()["results"] == []
    export = client.get(f"{BATCHES}export/", {"file_format": "csv"})
    assert export.status_code == 200
    assert b"monday.jsonl" in b"".join(export.streaming_content)
    download = client.get(f"{BATCHES}{first.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == EVENTS
    assert download["X-Content-SHA256"] == first.sha256


def test_audit_now_answers_202_with_the_queued_report(
    api: Any, log_source: LogSource, security_officer: Person
) -> None:
    response = api.as_(security_officer).post(f"{SOURCES}{log_source.pk}/audit/")
    assert response.status_code == 202
    report = AuditReport.objects.get(source=log_source)
    assert response.json()["reference"] == report.reference


def test_an_auditor_reads_and_changes_nothing(
    api: Any, log_source: LogSource, auditor: Person, critical_system: Asset
) -> None:
    client = api.as_(auditor)
    assert [row["id"] for row in client.get(SOURCES).json()["results"]] == [log_source.pk]
    assert client.get(f"{SOURCES}{log_source.pk}/").status_code == 200
    assert (
        client.post(SOURCES, {"name": "x", "asset": critical_system.pk, "log_format": "jsonl"}).status_code
        == 403
    )
    assert client.patch(f"{SOURCES}{log_source.pk}/", {"name": "taken"}, format="json").status_code == 404
    upload = {"file": SimpleUploadedFile("a.jsonl", EVENTS)}
    assert client.post(f"{SOURCES}{log_source.pk}/batches/", upload, format="multipart").status_code == 404
    assert client.post(f"{SOURCES}{log_source.pk}/audit/").status_code == 404
    log_source.refresh_from_db()
    assert log_source.name == "billing-db processes"
    assert not LogBatch.objects.exists()
    assert not AuditReport.objects.exists()


def test_an_outsider_from_shanghai_sees_no_beijing_source(
    api: Any, log_source: LogSource, outsider: Person, organisation: Organisation, make_asset: Any
) -> None:
    batch = seal(log_source)
    theirs = create_source(
        by=outsider,
        name="sh",
        asset=make_asset(name="sh", unit=organisation.shanghai),
        log_format=LogFormat.JSONL,
    )
    client = api.as_(outsider)
    assert [row["id"] for row in client.get(SOURCES).json()["results"]] == [theirs.pk]
    assert client.get(BATCHES).json()["results"] == []
    for url in (
        f"{SOURCES}{log_source.pk}/",
        f"{SOURCES}{log_source.pk}/tree/",
        f"{BATCHES}{batch.pk}/download/",
    ):
        assert client.get(url).status_code == 404
    upload = {"file": SimpleUploadedFile("a.jsonl", EVENTS)}
    assert client.post(f"{SOURCES}{log_source.pk}/batches/", upload, format="multipart").status_code == 404
    assert LogBatch.objects.count() == 1


def test_anonymous_callers_get_nothing(api: Any, log_source: LogSource) -> None:
    assert api.as_(None).get(SOURCES).status_code in (401, 403)
