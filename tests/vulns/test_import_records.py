"""Writing parsed records as an import: new findings, hosts matched to assets or
discovered, history, counts and who may import."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from garrison.assets.models import Asset, AssetIdentifier, AssetType
from garrison.core.models import AuditEvent
from garrison.core.scheduling import organisation_today
from garrison.vulns.fingerprint import finding_fingerprint
from garrison.vulns.models import (
    AssetScan,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingStatus,
    ImportStatus,
    ScanImport,
    Severity,
)
from garrison.vulns.parsers.base import ParsedFinding, Problem, RejectedRecord, ScannedHost
from garrison.vulns.services.importing import import_records

pytestmark = pytest.mark.django_db


def finding(**fields: Any) -> ParsedFinding:
    fields.setdefault("title", "OpenSSL out of date")
    fields.setdefault("rule_id", "10001")
    fields.setdefault("host", "10.0.0.5")
    fields.setdefault("port", 443)
    fields.setdefault("protocol", "tcp")
    fields.setdefault("severity", "High")
    return ParsedFinding(**fields)


def test_it_creates_findings_on_the_asset_matched_by_ip_address(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    server = make_asset(name="billing-db", ips=["10.0.0.5"])
    result = import_records(
        [
            ScannedHost(address="10.0.0.5"),
            finding(),
            finding(rule_id="10002", title="Weak TLS", severity="Medium"),
        ],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
        scan_scope="DC1 monthly",
    )
    assert result.status == ImportStatus.DONE
    assert result.reference == f"IMP-{result.pk:06d}"
    assert (result.new_count, result.open_count, result.unchanged_count, result.fixed_count) == (2, 0, 0, 0)
    assert (result.host_count, result.discovered_asset_count, result.rejected_count) == (1, 0, 0)
    openssl = Finding.objects.get(rule_id="10001")
    assert openssl.asset == server
    assert openssl.unit == organisation.beijing
    assert openssl.severity == Severity.HIGH
    assert openssl.status == FindingStatus.OPEN
    assert openssl.scan_scope == "DC1 monthly"
    assert openssl.source == "nessus"
    assert openssl.sighting.last_import == result
    assert openssl.first_seen_at == openssl.sighting.last_seen_at == openssl.opened_at
    assert openssl.fingerprint == finding_fingerprint(
        source="nessus", subject=f"asset:{server.pk}", rule="10001", place="443/tcp", component=""
    )
    assert openssl.due_on == organisation_today() + dt.timedelta(days=30)
    weak = Finding.objects.get(rule_id="10002")
    assert weak.due_on == organisation_today() + dt.timedelta(days=90)
    assert list(
        FindingEvent.objects.filter(finding=openssl).values_list("kind", "status", "scan_import")
    ) == [(FindingEventKind.OPENED, FindingStatus.OPEN, result.pk)]
    assert list(AssetScan.objects.values_list("asset", "scan_import", "source")) == [
        (server.pk, result.pk, "nessus")
    ]
    assert AuditEvent.objects.filter(object_type="vulns.scanimport", object_id=str(result.pk)).count() == 1
    assert AuditEvent.objects.filter(object_type="vulns.finding").count() == 0


def test_it_scores_severity_from_the_cvss_vector_over_the_scanner_word(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    make_asset(ips=["10.0.0.5"])
    import_records(
        [
            finding(
                severity="Low",
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                cve_ids=("CVE-2024-0001", "CVE-2024-0002"),
                cwe_ids=("CWE-79",),
                references=("https://example.com/a",),
            ),
            finding(rule_id="10003", severity="", cvss_score=5.0),
            finding(rule_id="10004", severity="None"),
        ],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
    )
    critical = Finding.objects.get(rule_id="10001")
    assert (critical.severity, critical.cvss_version, str(critical.cvss_score)) == (
        Severity.CRITICAL,
        "3.1",
        "9.8",
    )
    assert critical.cve_ids == ["CVE-2024-0001", "CVE-2024-0002"]
    assert critical.cve == "CVE-2024-0001"
    assert critical.cwe_ids == ["CWE-79"]
    assert critical.references == ["https://example.com/a"]
    assert critical.scanner_severity == "Low"
    assert critical.due_on == organisation_today() + dt.timedelta(days=7)
    medium = Finding.objects.get(rule_id="10003")
    assert (medium.severity, str(medium.cvss_score)) == (Severity.MEDIUM, "5.0")
    info = Finding.objects.get(rule_id="10004")
    assert (info.severity, info.due_on) == (Severity.INFO, None)


def test_it_matches_a_host_by_its_name_when_no_address_matches(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    web = make_asset(name="web01", hosts=["web01.example.com"])
    make_asset(name="other", ips=["192.0.2.1"])
    result = import_records(
        [
            ScannedHost(address="10.9.9.9", names=("Web01.Example.com.",)),
            finding(host="10.9.9.9", host_names=("Web01.Example.com.",)),
        ],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
    )
    assert Finding.objects.get().asset == web
    assert (result.host_count, result.discovered_asset_count) == (1, 0)


def test_an_address_match_wins_over_a_name_match(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    by_name = make_asset(name="by-name", hosts=["db.example.com"])
    by_address = make_asset(name="by-address", ips=["10.0.0.7"])
    import_records(
        [finding(host="10.0.0.7", host_names=("db.example.com",))],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
    )
    assert Finding.objects.get().asset == by_address
    assert by_name.findings.count() == 0


def test_unknown_hosts_become_discovered_assets_for_review(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    make_asset(name="known", ips=["10.0.0.5"])
    result = import_records(
        [
            ScannedHost(address="10.0.0.5"),
            ScannedHost(address="10.0.0.8", names=("new-host.example.com",), operating_system="Debian 12"),
            finding(host="10.0.0.8", host_names=("new-host.example.com",)),
            ScannedHost(address="10.0.0.9"),
        ],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing_ops,
    )
    assert (result.host_count, result.discovered_asset_count) == (3, 2)
    discovered = Asset.objects.filter(needs_review=True).order_by("pk")
    assert [(a.name, a.ip_addresses, a.host_names) for a in discovered] == [
        ("new-host.example.com", ["10.0.0.8"], ["new-host.example.com"]),
        ("10.0.0.9", ["10.0.0.9"], []),
    ]
    first = discovered[0]
    assert first.reference == f"AST-{first.pk}"
    assert (first.asset_type, first.unit, first.owner) == (
        AssetType.SERVER,
        organisation.beijing_ops,
        security_officer,
    )
    assert "Debian 12" in first.description
    assert set(AssetIdentifier.objects.filter(asset=first).values_list("kind", "value")) == {
        ("ip", "10.0.0.8"),
        ("host", "new-host.example.com"),
    }
    found = Finding.objects.get()
    assert (found.asset, found.unit) == (first, organisation.beijing_ops)
    assert AssetScan.objects.filter(scan_import=result).count() == 3
    assert (
        AuditEvent.objects.filter(
            object_type="assets.asset", object_id=str(first.pk), action="create"
        ).count()
        == 1
    )


def test_a_second_import_finds_the_discovered_asset_again(organisation: Any, security_officer: Any) -> None:
    records = [ScannedHost(address="10.0.0.8"), finding(host="10.0.0.8")]
    import_records(records, source="nessus", by=security_officer, unit=organisation.beijing, scan_scope="s")
    again = import_records(
        records, source="nessus", by=security_officer, unit=organisation.beijing, scan_scope="s"
    )
    assert (again.discovered_asset_count, again.new_count, again.unchanged_count) == (0, 0, 1)
    assert Asset.objects.count() == 1


def test_a_discovered_asset_skips_a_reference_someone_typed(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    typed = make_asset(name="typed")
    next_id = typed.pk + 1
    typed.reference = f"AST-{next_id}"
    typed.save()
    import_records(
        [finding(host="10.0.0.8")], source="nessus", by=security_officer, unit=organisation.beijing
    )
    discovered = Asset.objects.get(needs_review=True)
    assert discovered.pk == next_id
    assert discovered.reference == f"AST-{next_id}-2"


def test_findings_without_a_host_belong_to_the_import_unit_and_are_told_apart_by_location(
    organisation: Any, security_officer: Any
) -> None:
    result = import_records(
        [
            ParsedFinding(
                title="SQL injection", rule_id="py/sql-injection", location="src/app.py:42", severity="error"
            ),
            ParsedFinding(
                title="SQL injection", rule_id="py/sql-injection", location="src/db.py:7", severity="error"
            ),
        ],
        source="sarif",
        by=security_officer,
        unit=organisation.beijing_ops,
    )
    assert (result.new_count, result.host_count) == (2, 0)
    assert set(Finding.objects.values_list("location", "unit", "asset", "severity")) == {
        ("src/app.py:42", organisation.beijing_ops.pk, None, Severity.HIGH),
        ("src/db.py:7", organisation.beijing_ops.pk, None, Severity.HIGH),
    }
    assert Finding.objects.get(location="src/app.py:42").fingerprint == finding_fingerprint(
        source="sarif", subject="", rule="py/sql-injection", place="src/app.py:42", component=""
    )


def test_a_finding_reported_twice_in_one_file_is_one_finding(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    make_asset(ips=["10.0.0.5"])
    result = import_records(
        [finding(), finding(evidence="second listing")],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
    )
    assert (result.new_count, result.rejected_count) == (1, 0)
    assert Finding.objects.count() == 1
    assert FindingEvent.objects.count() == 1


def test_the_rule_falls_back_to_the_first_cve_then_the_title(
    organisation: Any, security_officer: Any
) -> None:
    import_records(
        [
            ParsedFinding(
                title="libssl",
                rule_id="",
                cve_ids=("CVE-2024-1",),
                location="alpine:3.19",
                component="libssl",
            ),
            ParsedFinding(title="Hard-coded key", rule_id="", location="config.yml"),
        ],
        source="trivy",
        by=security_officer,
        unit=organisation.beijing,
    )
    assert Finding.objects.get(component="libssl").fingerprint == finding_fingerprint(
        source="trivy", subject="", rule="CVE-2024-1", place="alpine:3.19", component="libssl"
    )
    assert Finding.objects.get(location="config.yml").fingerprint == finding_fingerprint(
        source="trivy", subject="", rule="Hard-coded key", place="config.yml", component=""
    )


def test_rejected_records_are_counted_and_the_first_kept_in_words(
    organisation: Any, security_officer: Any
) -> None:
    records: list[Any] = [
        RejectedRecord(where=f"ReportItem {number}", problem=Problem.MISSING_VALUE, detail="pluginID")
        for number in range(105)
    ]
    result = import_records(
        [*records, finding(host="")], source="nessus", by=security_officer, unit=organisation.beijing
    )
    assert (result.rejected_count, result.new_count, len(result.rejections)) == (105, 1, 100)
    assert result.rejections[0] == {
        "where": "ReportItem 0",
        "reason": "a value every finding needs is missing (pluginID)",
    }


def test_values_longer_than_their_column_are_cut(organisation: Any, security_officer: Any) -> None:
    import_records(
        [finding(host="", location="x" * 2000, title="t" * 600, service="s" * 200)],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
    )
    stored = Finding.objects.get()
    assert (len(stored.location), len(stored.title), len(stored.service)) == (1000, 500, 100)


@pytest.mark.parametrize("person", ["owner", "security_officer"])
def test_people_who_manage_vulnerabilities_of_the_unit_may_import(
    request: pytest.FixtureRequest, organisation: Any, person: str
) -> None:
    by = request.getfixturevalue(person)
    result = import_records([finding(host="")], source="nessus", by=by, unit=organisation.beijing)
    assert result.status == ImportStatus.DONE


@pytest.mark.parametrize("person", ["colleague", "outsider", "auditor"])
def test_others_may_not_import_and_nothing_is_written(
    request: pytest.FixtureRequest, organisation: Any, person: str
) -> None:
    by = request.getfixturevalue(person)
    with pytest.raises(ValidationError) as refused:
        import_records([finding(host="")], source="nessus", by=by, unit=organisation.beijing)
    assert refused.value.message_dict == {"unit": ["Choose a unit whose vulnerabilities you manage."]}
    assert (ScanImport.objects.count(), Finding.objects.count(), Asset.objects.count()) == (0, 0, 0)


def test_an_unknown_source_is_refused(organisation: Any, security_officer: Any) -> None:
    with pytest.raises(ValidationError):
        import_records([], source="qualys", by=security_officer, unit=organisation.beijing)


def test_a_scan_imported_after_the_fact_is_stamped_with_the_time_it_ran(
    organisation: Any, security_officer: Any, make_asset: Any
) -> None:
    server = make_asset(name="web-1", ips=["10.0.0.5"])
    ran = timezone.now() - dt.timedelta(days=40)
    result = import_records(
        [ScannedHost(address="10.0.0.5"), finding()],
        source="nessus",
        by=security_officer,
        unit=organisation.beijing,
        scan_scope="DC1 monthly",
        scanned_at=ran,
    )
    result.refresh_from_db()
    assert (result.created_at, result.started_at, result.finished_at) == (ran, ran, ran)
    stored = Finding.objects.get()
    assert (stored.first_seen_at, stored.opened_at, stored.sighting.last_seen_at) == (ran, ran, ran)
    assert stored.due_on == organisation_today(ran) + dt.timedelta(days=30)
    assert list(stored.events.values_list("kind", "at")) == [(FindingEventKind.OPENED, ran)]
    assert AssetScan.objects.get(asset=server).scanned_at == ran
    # The audit trail keeps the real moment of the import.
    assert AuditEvent.objects.get(object_type="vulns.scanimport").occurred_at > ran + dt.timedelta(days=39)
