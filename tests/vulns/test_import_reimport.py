"""Re-importing a full scan of the same scope: unchanged findings, changed ones, findings
no longer reported (fixed) and back again (reopened), false positives left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.scheduling import organisation_today
from garrison.vulns.fingerprint import content_digest_of
from garrison.vulns.models import (
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSighting,
    FindingStatus,
    Severity,
)
from garrison.vulns.parsers.base import ParsedFinding, ScannedHost
from garrison.vulns.services.importing import import_records

pytestmark = pytest.mark.django_db

SCOPE = "DC1 monthly"


def finding(rule_id: str, **fields: Any) -> ParsedFinding:
    fields.setdefault("title", f"Weakness {rule_id}")
    fields.setdefault("host", "10.0.0.5")
    fields.setdefault("port", 443)
    fields.setdefault("protocol", "tcp")
    fields.setdefault("severity", "High")
    fields.setdefault("description", "Long text the scanner repeats on every host.")
    return ParsedFinding(rule_id=rule_id, **fields)


@pytest.fixture
def scan(organisation: Any, security_officer: Any, make_asset: Any) -> Any:
    make_asset(name="billing-db", ips=["10.0.0.5"])

    def run(*records: Any, scope: str = SCOPE) -> Any:
        return import_records(
            [ScannedHost(address="10.0.0.5"), *records],
            source="nessus",
            by=security_officer,
            unit=organisation.beijing,
            scan_scope=scope,
        )

    return run


def counts(result: Any) -> tuple[int, int, int, int, int]:
    return (
        result.new_count,
        result.open_count,
        result.reopened_count,
        result.fixed_count,
        result.unchanged_count,
    )


def test_the_same_file_again_changes_nothing_but_the_last_sighting(scan: Any) -> None:
    first = scan(finding("1"), finding("2"))
    before = {f.rule_id: (f.updated_at, f.first_seen_at, f.due_on) for f in Finding.objects.all()}
    again = scan(finding("1"), finding("2"))
    assert counts(again) == (0, 0, 0, 0, 2)
    for stored in Finding.objects.all():
        assert (stored.updated_at, stored.first_seen_at, stored.due_on) == before[stored.rule_id]
        assert stored.sighting.last_import_id == again.pk
        assert stored.sighting.last_seen_at > stored.first_seen_at
        assert stored.status == FindingStatus.OPEN
    assert FindingEvent.objects.count() == 2
    assert first.pk != again.pk


def test_a_finding_no_longer_reported_is_fixed_with_history(scan: Any) -> None:
    first = scan(finding("1"), finding("2"))
    again = scan(finding("1"))
    assert counts(again) == (0, 0, 0, 1, 1)
    gone = Finding.objects.get(rule_id="2")
    assert gone.status == FindingStatus.FIXED
    assert gone.fixed_at is not None
    assert list(gone.events.values_list("kind", "status", "scan_import")) == [
        (FindingEventKind.FIXED, FindingStatus.FIXED, again.pk),
        (FindingEventKind.OPENED, FindingStatus.OPEN, first.pk),
    ]
    assert Finding.objects.get(rule_id="1").status == FindingStatus.OPEN


def test_a_fixed_finding_reported_again_is_reopened_with_a_new_clock(scan: Any) -> None:
    scan(finding("1"), finding("2"))
    scan(finding("1"))
    gone = Finding.objects.get(rule_id="2")
    # The clock of the first sighting, long ago.
    Finding.objects.filter(pk=gone.pk).update(
        opened_at=timezone.now() - dt.timedelta(days=100), due_on=dt.date(2020, 1, 1)
    )
    back = scan(finding("1"), finding("2", severity="Critical"))
    assert counts(back) == (0, 0, 1, 0, 1)
    reopened = Finding.objects.get(pk=gone.pk)
    assert reopened.status == FindingStatus.OPEN
    assert reopened.reopened_count == 1
    assert reopened.fixed_at is None
    assert reopened.severity == Severity.CRITICAL
    assert reopened.opened_at == reopened.sighting.last_seen_at
    assert reopened.due_on == organisation_today() + dt.timedelta(days=7)
    assert list(reopened.events.values_list("kind", "scan_import")[:1]) == [
        (FindingEventKind.REOPENED, back.pk)
    ]


def test_a_changed_finding_is_still_open_and_updated(scan: Any) -> None:
    scan(finding("1"), finding("2"))
    stored = Finding.objects.get(rule_id="1")
    again = scan(finding("1", severity="Medium", evidence="Installed version : 1.2"), finding("2"))
    assert counts(again) == (0, 1, 0, 0, 1)
    changed = Finding.objects.get(pk=stored.pk)
    assert (changed.severity, changed.evidence, changed.status) == (
        Severity.MEDIUM,
        "Installed version : 1.2",
        FindingStatus.OPEN,
    )
    assert changed.opened_at == stored.opened_at
    assert changed.due_on == organisation_today() + dt.timedelta(days=90)
    assert changed.events.count() == 1


def test_a_false_positive_is_left_as_it_is(scan: Any) -> None:
    scan(finding("1"), finding("2"))
    Finding.objects.filter(rule_id="2").update(status=FindingStatus.FALSE_POSITIVE)
    again = scan(finding("1"), finding("2", severity="Critical"))
    assert counts(again) == (0, 0, 0, 0, 2)
    untouched = Finding.objects.get(rule_id="2")
    assert (untouched.status, untouched.severity) == (FindingStatus.FALSE_POSITIVE, Severity.HIGH)
    assert untouched.sighting.last_import_id == again.pk
    # Absent from a later scan, it stays a false positive rather than becoming fixed.
    later = scan(finding("1"))
    assert later.fixed_count == 0
    assert Finding.objects.get(rule_id="2").status == FindingStatus.FALSE_POSITIVE


def test_an_accepted_risk_no_longer_reported_is_fixed(scan: Any) -> None:
    scan(finding("1"), finding("2"))
    Finding.objects.filter(rule_id="2").update(status=FindingStatus.RISK_ACCEPTED)
    again = scan(finding("1"))
    assert again.fixed_count == 1
    assert Finding.objects.get(rule_id="2").status == FindingStatus.FIXED


def test_without_a_scope_nothing_is_marked_fixed(scan: Any) -> None:
    scan(finding("1"), finding("2"), scope="")
    partial = scan(finding("1"), scope="")
    assert counts(partial) == (0, 0, 0, 0, 1)
    assert Finding.objects.get(rule_id="2").status == FindingStatus.OPEN


def test_another_scope_does_not_fix_findings_it_did_not_scan(scan: Any) -> None:
    scan(finding("1"), finding("2"), scope="DC1 monthly")
    other = scan(finding("1"), scope="DC2 weekly")
    assert other.fixed_count == 0
    assert Finding.objects.get(rule_id="2").status == FindingStatus.OPEN
    # The finding both reported now belongs to the scan that saw it last.
    assert Finding.objects.get(rule_id="1").scan_scope == "DC2 weekly"
    assert Finding.objects.get(rule_id="2").scan_scope == "DC1 monthly"


def test_findings_entered_by_hand_are_never_fixed_by_a_scan(scan: Any) -> None:
    scan(finding("1"))
    hand = Finding.objects.get()
    Finding.objects.filter(pk=hand.pk).update(scan_scope="", fingerprint="manual-1")
    again = scan(finding("2"))
    assert again.fixed_count == 0
    assert Finding.objects.get(pk=hand.pk).status == FindingStatus.OPEN


def test_a_change_in_any_reported_text_counts_as_changed(scan: Any) -> None:
    scan(finding("1", references=("https://example.com/a",)), finding("2", cve_ids=("CVE-2024-1",)))
    again = scan(
        finding("1", references=("https://example.com/a", "https://example.com/b")),
        finding("2", cve_ids=("CVE-2024-1", "CVE-2024-2")),
    )
    assert counts(again) == (0, 2, 0, 0, 0)
    assert Finding.objects.get(rule_id="1").references == ["https://example.com/a", "https://example.com/b"]
    assert Finding.objects.get(rule_id="2").cve_ids == ["CVE-2024-1", "CVE-2024-2"]
    same = scan(
        finding("1", references=("https://example.com/a", "https://example.com/b")),
        finding("2", cve_ids=("CVE-2024-1", "CVE-2024-2")),
    )
    assert counts(same) == (0, 0, 0, 0, 2)


def test_the_digest_of_what_was_reported_is_kept_and_follows_a_change(scan: Any) -> None:
    scan(finding("1"))
    before = Finding.objects.get()
    assert before.content_digest == content_digest_of(before)
    scan(finding("1", evidence="Installed version : 1.2"))
    after = Finding.objects.get()
    assert after.content_digest == content_digest_of(after) != before.content_digest


def test_a_finding_stored_without_its_sighting_is_seen_again_not_fixed(scan: Any) -> None:
    scan(finding("1"), finding("2"))
    FindingSighting.objects.filter(finding__rule_id="2").delete()
    again = scan(finding("1"), finding("2"))
    assert counts(again) == (0, 0, 0, 0, 2)
    assert FindingSighting.objects.get(finding__rule_id="2").last_import_id == again.pk
    assert Finding.objects.get(rule_id="2").status == FindingStatus.OPEN
