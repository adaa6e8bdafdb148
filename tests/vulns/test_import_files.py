"""Importing scanner files from disk: every sample file imports and re-imports stably, and
a file that cannot be imported fails naming file, place and reason, changing nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from garrison.assets.models import Asset
from garrison.vulns.models import AssetScan, Finding, FindingEvent, FindingStatus, ImportStatus, ScanImport
from garrison.vulns.parsers import PARSERS
from garrison.vulns.services.importing import ImportRejected, import_file

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db

# file: (format, findings, hosts, findings per severity 0 informational … 4 critical)
EXPECTED = {
    "nessus/issue_6992.nessus": ("nessus", 1, 1, {3: 1}),
    "nessus/nessus_many_vuln.xml": ("nessus", 7, 1, {0: 7}),
    # 49 items, one plugin reported twice on the same port: one finding.
    "nessus/nessus_with_cvssv3.nessus": ("nessus", 48, 1, {0: 23, 1: 1, 2: 12, 3: 11, 4: 1}),
}
SAMPLE_FILES = sorted(
    str(path.relative_to(SAMPLES)) for path in SAMPLES.glob("*/*") if path.suffix not in (".md", ".whl")
)


@pytest.mark.parametrize("relative", SAMPLE_FILES)
def test_every_sample_file_imports_and_reimports_unchanged(
    relative: str, organisation: Any, security_officer: Any
) -> None:
    path = SAMPLES / relative
    first = import_file(path, by=security_officer, unit=organisation.beijing, scan_scope="samples")
    assert first.status == ImportStatus.DONE
    assert first.detected_format == relative.split("/")[0]
    assert first.new_count == Finding.objects.count()
    assert first.error == ""
    again = import_file(path, by=security_officer, unit=organisation.beijing, scan_scope="samples")
    # Stable fingerprints: the same scan again is the same findings, none fixed, none new.
    assert (again.new_count, again.fixed_count, again.reopened_count, again.open_count) == (0, 0, 0, 0)
    assert again.unchanged_count == first.new_count
    assert again.discovered_asset_count == 0
    if relative in EXPECTED:
        file_format, findings, hosts, severities = EXPECTED[relative]
        assert (first.detected_format, first.new_count, first.host_count) == (file_format, findings, hosts)
        assert dict(Counter(Finding.objects.values_list("severity", flat=True))) == severities


def test_a_nessus_file_puts_findings_on_the_scanned_host(organisation: Any, security_officer: Any) -> None:
    result = import_file(
        SAMPLES / "nessus/nessus_with_cvssv3.nessus", by=security_officer, unit=organisation.beijing
    )
    host = Asset.objects.get()
    assert (host.name, host.ip_addresses, host.needs_review) == (
        "testphp.vulnweb.com",
        ["44.228.249.3"],
        True,
    )
    assert "testphp.vulnweb.com" in host.host_names
    assert set(Finding.objects.values_list("asset", flat=True)) == {host.pk}
    assert set(Finding.objects.values_list("host", flat=True)) == {"44.228.249.3"}
    browsable = Finding.objects.get(rule_id="40984")
    assert (browsable.title, browsable.port, browsable.protocol, browsable.service) == (
        "Browsable Web Directories",
        80,
        "tcp",
        "www",
    )
    assert browsable.cvss_vector == "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
    assert list(AssetScan.objects.values_list("asset", "scan_import")) == [(host.pk, result.pk)]
    assert (result.progress, result.size) == (
        100,
        (SAMPLES / "nessus/nessus_with_cvssv3.nessus").stat().st_size,
    )


@pytest.fixture
def imported(organisation: Any, security_officer: Any) -> Any:
    """The findings of a full scan, as they stood before a bad file came along."""
    import_file(
        SAMPLES / "nessus/nessus_with_cvssv3.nessus",
        by=security_officer,
        unit=organisation.beijing,
        scan_scope="web",
    )
    return (
        list(Finding.objects.order_by("pk").values()),
        FindingEvent.objects.count(),
        Asset.objects.count(),
        AssetScan.objects.count(),
    )


def state() -> Any:
    return (
        list(Finding.objects.order_by("pk").values()),
        FindingEvent.objects.count(),
        Asset.objects.count(),
        AssetScan.objects.count(),
    )


def test_a_truncated_reimport_fails_naming_the_place_and_changes_nothing(
    imported: Any, organisation: Any, security_officer: Any, tmp_path: Path
) -> None:
    data = (SAMPLES / "nessus/nessus_with_cvssv3.nessus").read_bytes()
    cut = tmp_path / "cut.nessus"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportRejected) as rejected:
        import_file(cut, by=security_officer, unit=organisation.beijing, scan_scope="web")
    message = rejected.value.messages[0]
    assert message.startswith("cut.nessus, line 22, column ")
    assert "the file ends before its last element or value is complete" in message
    failed = rejected.value.scan_import
    assert failed is not None
    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.new_count) == (ImportStatus.FAILED, message, 0)
    assert state() == imported
    assert Finding.objects.filter(status=FindingStatus.FIXED).count() == 0


def test_a_file_of_another_format_fails_naming_it(
    imported: Any, organisation: Any, security_officer: Any
) -> None:
    with pytest.raises(ImportRejected) as rejected:
        import_file(
            SAMPLES / "nessus/nessus_with_cvssv3.nessus",
            by=security_officer,
            unit=organisation.beijing,
            requested_format="openvas",
            scan_scope="web",
        )
    assert rejected.value.messages == [
        "nessus_with_cvssv3.nessus, <NessusClientData_v2>: the file is not in the OpenVAS / GVM XML format "
        "(root element <NessusClientData_v2>, expected <report>)."
    ]
    assert state() == imported


def test_an_entity_declaration_is_refused(
    imported: Any, organisation: Any, security_officer: Any, tmp_path: Path
) -> None:
    hostile = tmp_path / "xxe.nessus"
    hostile.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<NessusClientData_v2>&e;</NessusClientData_v2>"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(hostile, by=security_officer, unit=organisation.beijing, scan_scope="web")
    assert rejected.value.messages[0].startswith(
        "xxe.nessus, line 1, column 72: the file declares a DTD, entities or external references"
    )
    assert state() == imported


def test_a_file_no_format_recognises_is_refused(
    organisation: Any, security_officer: Any, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"\x00\x01 not a scan")
    with pytest.raises(ImportRejected) as rejected:
        import_file(notes, by=security_officer, unit=organisation.beijing)
    assert rejected.value.messages == [
        "notes.txt: no scanner format recognises this file; choose its format explicitly."
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    imported: Any, organisation: Any, security_officer: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.VULNS_MAX_IMPORT_MEGABYTES = 1
    read: list[str] = []

    def parse(self: Any, stream: Any, name: str) -> Any:
        read.append(name)
        return iter(())

    monkeypatch.setattr(PARSERS["nessus"], "parse", parse)
    with pytest.raises(ImportRejected) as rejected:
        import_file(
            SAMPLES / "nessus/nessus_with_cvssv3.nessus",
            by=security_officer,
            unit=organisation.beijing,
            scan_scope="web",
        )
    assert rejected.value.messages == [
        "nessus_with_cvssv3.nessus: the file is larger than the limit of 1 MB."
    ]
    assert read == []
    assert state() == imported


def test_a_missing_file_is_refused(organisation: Any, security_officer: Any, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as rejected:
        import_file(tmp_path / "absent.nessus", by=security_officer, unit=organisation.beijing)
    assert rejected.value.messages == [
        "absent.nessus: the file cannot be opened (No such file or directory)."
    ]
    assert ScanImport.objects.get().status == ImportStatus.FAILED


def test_a_failure_while_saving_rolls_everything_back(
    imported: Any, organisation: Any, security_officer: Any, monkeypatch: Any
) -> None:
    from garrison.vulns.services import import_writing

    def broken(self: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_writing.FindingWriter, "finish", broken)
    with pytest.raises(ImportRejected) as rejected:
        import_file(
            SAMPLES / "nessus/nessus_many_vuln.xml",
            by=security_officer,
            unit=organisation.beijing,
            scan_scope="web",
        )
    assert rejected.value.messages == [
        "nessus_many_vuln.xml: the findings could not be saved, nothing was changed (RuntimeError)."
    ]
    assert state() == imported
