"""Registering and changing log sources: references, the reviewer who defaults to the owner,
the audit trail with the reason for a change, and refusals (an asset out of reach, a
person out of sight, a format change once logs are sealed, a change by an outsider).

The fixtures and helpers here (`log_source`, `seal`) serve the other source, ingest,
sealing and retention tests."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person
from garrison.logaudit.models import LogBatch, LogFormat, LogSource
from garrison.logaudit.services.ingest import ingest_batch
from garrison.logaudit.services.sources import change_source, create_source, reviewer_of, source_assets
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

__all__ = ["log_source"]

EVENTS = (
    b'{"time": "2026-01-05T10:00:00Z", "CommandLine": "sudo -i", "User": "ops"}\n'
    b'{"time": "2026-01-05T11:00:00Z", "CommandLine": "ls", "User": "ops"}\n'
)


def seal(
    source: LogSource, content: bytes = EVENTS, *, by: Any = None, filename: str = "events.jsonl"
) -> LogBatch:
    """Seal `content` into `source` as its next batch."""
    return ingest_batch(source, io.BytesIO(content), filename=filename, by=by)


@pytest.fixture
def log_source(critical_system: Asset, security_officer: Person) -> LogSource:
    """The billing database's process events, kept by the Beijing Security Officer."""
    return create_source(
        by=security_officer, name="billing-db processes", asset=critical_system, log_format=LogFormat.JSONL
    )


def events_of(source: LogSource) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="logaudit.logsource", object_id=str(source.pk)).order_by(
            "sequence"
        )
    )


def test_it_registers_a_source_owned_and_reviewed_by_its_creator(
    log_source: LogSource, security_officer: Person
) -> None:
    assert log_source.reference.startswith("LS-")
    assert log_source.owner == security_officer
    assert log_source.reviewer == security_officer
    assert reviewer_of(log_source) == security_officer
    [event] = events_of(log_source)
    assert event.action == "create"
    assert event.changes["reference"] == [None, log_source.reference]


def test_the_reviewer_of_a_source_without_one_is_its_owner(log_source: LogSource, owner: Person) -> None:
    LogSource.objects.filter(pk=log_source.pk).update(reviewer=None, owner=owner)
    log_source.refresh_from_db()
    assert reviewer_of(log_source) == owner


def test_it_refuses_an_asset_outside_the_persons_units(
    security_officer: Person, organisation: Organisation, make_asset: Any
) -> None:
    shanghai_server = make_asset(name="sh-web", unit=organisation.shanghai)
    with pytest.raises(ValidationError) as refused:
        create_source(by=security_officer, name="sh", asset=shanghai_server, log_format=LogFormat.SYSLOG)
    assert refused.value.message_dict == {"asset": ["Asset not found."]}
    assert not LogSource.objects.exists()


def test_the_assets_offered_put_critical_systems_first(
    security_officer: Person, organisation: Organisation, make_asset: Any, critical_system: Asset
) -> None:
    plain = make_asset(name="aaa-plain")
    make_asset(name="sh-web", unit=organisation.shanghai)
    assert list(source_assets(security_officer)) == [critical_system, plain]


def test_it_refuses_an_unknown_format_and_a_person_out_of_sight(
    security_officer: Person, critical_system: Asset, outsider: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        create_source(
            by=security_officer, name="x", asset=critical_system, log_format="evtx", reviewer=outsider
        )
    assert set(refused.value.message_dict) == {"log_format", "reviewer"}
    assert refused.value.message_dict["reviewer"] == ["Person not found."]


def test_a_change_is_audited_with_its_reason(
    log_source: LogSource, security_officer: Person, owner: Person
) -> None:
    change_source(
        log_source,
        by=security_officer,
        reason="hand-over",
        name="billing-db audit",
        reviewer=owner,
        audit_enabled=False,
    )
    log_source.refresh_from_db()
    assert (log_source.name, log_source.reviewer, log_source.audit_enabled) == (
        "billing-db audit",
        owner,
        False,
    )
    change = events_of(log_source)[-1]
    assert change.action == "update"
    assert change.reason == "hand-over"
    assert change.changes["reviewer"] == [security_officer.pk, owner.pk]
    assert change.changes["audit_enabled"] == [True, False]


def test_a_change_that_changes_nothing_is_not_recorded(
    log_source: LogSource, security_officer: Person
) -> None:
    change_source(log_source, by=security_officer, name=log_source.name)
    assert len(events_of(log_source)) == 1


def test_the_format_is_fixed_once_logs_are_sealed(log_source: LogSource, security_officer: Person) -> None:
    seal(log_source, by=security_officer)
    with pytest.raises(ValidationError) as refused:
        change_source(log_source, by=security_officer, log_format=LogFormat.SYSLOG)
    assert "log_format" in refused.value.message_dict
    log_source.refresh_from_db()
    assert log_source.log_format == LogFormat.JSONL


def test_people_without_reach_cannot_change_a_source(
    log_source: LogSource, outsider: Person, auditor: Person, colleague: Person
) -> None:
    for person in (outsider, auditor, colleague):
        with pytest.raises(Http404):
            change_source(log_source, by=person, name="taken")
    log_source.refresh_from_db()
    assert log_source.name == "billing-db processes"
