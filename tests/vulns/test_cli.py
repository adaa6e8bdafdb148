"""`garrison vulns import FILE...`: one summary line per file, a clear line for a file
that fails while the others still import, and exit status 1 when any failed."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from garrison.vulns.models import Finding, FindingStatus, ImportStatus, ScanImport

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db

NESSUS = SAMPLES / "nessus/nessus_with_cvssv3.nessus"
OTHER = SAMPLES / "nessus/nessus_many_vuln.xml"


def run(*args: Any) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("vulns", "import", *[str(arg) for arg in args], stdout=out, stderr=err)
    except SystemExit as leaving:
        return out.getvalue(), err.getvalue(), int(leaving.code or 0)
    return out.getvalue(), err.getvalue(), 0


def test_it_imports_each_file_and_prints_what_changed(organisation: Any, security_officer: Any) -> None:
    out, err, status = run(NESSUS, OTHER, "--scope", "web", "--as", "secofficer", "--unit", "bj-ops")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        rf"{re.escape(str(NESSUS))}: IMP-\d{{6}} \(nessus\): 48 new, 0 still open, 0 reopened, 0 fixed, "
        r"0 unchanged, 0 rejected; 1 hosts, 1 discovered assets; \d+\.\d\d s",
        lines[0],
    )
    assert lines[1].startswith(f"{OTHER}: IMP-")
    assert "7 new" in lines[1]
    imports = ScanImport.objects.order_by("pk")
    assert [(i.status, i.created_by, i.unit, i.scan_scope) for i in imports] == [
        (ImportStatus.DONE, security_officer, organisation.beijing_ops, "web"),
        (ImportStatus.DONE, security_officer, organisation.beijing_ops, "web"),
    ]


def test_a_reimport_reports_unchanged_and_fixed(
    organisation: Any, security_officer: Any, tmp_path: Path
) -> None:
    run(NESSUS, "--scope", "web", "--as", "secofficer")
    fewer = tmp_path / "fewer.nessus"
    text = NESSUS.read_text()
    start = text.index('<ReportItem port="80" svc_name="www" protocol="tcp" severity="2" pluginID="40984"')
    fewer.write_text(text[:start] + text[text.index("</ReportItem>", start) + len("</ReportItem>") :])
    out, _err, status = run(fewer, "--scope", "web", "--as", "secofficer")
    assert status == 0
    assert (
        "0 new, 0 still open, 0 reopened, 1 fixed, 47 unchanged, 0 rejected; 1 hosts, 0 discovered assets"
        in out
    )
    assert Finding.objects.get(rule_id="40984").status == FindingStatus.FIXED


def test_a_bad_file_is_named_the_others_still_import_and_the_status_is_1(
    organisation: Any, security_officer: Any, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.nessus"
    cut.write_bytes(NESSUS.read_bytes()[:5000])
    out, err, status = run(cut, OTHER, "--as", "secofficer")
    assert status == 1
    assert f"{cut}: failed: cut.nessus, line " in err
    assert "the file ends before its last element or value is complete" in err
    assert "1 of 2 files not imported" in err
    assert f"{OTHER}: IMP-" in out
    assert Finding.objects.count() == 7
    assert list(ScanImport.objects.order_by("pk").values_list("status", flat=True)) == [
        ImportStatus.FAILED,
        ImportStatus.DONE,
    ]


def test_the_format_can_be_named(organisation: Any, security_officer: Any) -> None:
    _out, err, status = run(NESSUS, "--format", "trivy", "--as", "secofficer")
    assert status == 1
    assert "nessus_with_cvssv3.nessus: failed: nessus_with_cvssv3.nessus" in err
    assert Finding.objects.count() == 0


def test_someone_who_may_not_import_is_refused(organisation: Any, colleague: Any) -> None:
    with pytest.raises(CommandError, match=r"Choose a unit whose vulnerabilities you manage\."):
        run(NESSUS, "--as", "colleague")
    assert ScanImport.objects.count() == 0


def test_an_unknown_person_or_unit_is_refused(organisation: Any, security_officer: Any) -> None:
    with pytest.raises(CommandError, match="no active person with username 'nobody'"):
        run(NESSUS, "--as", "nobody")
    with pytest.raises(CommandError, match="no unit with code 'nowhere'"):
        run(NESSUS, "--as", "secofficer", "--unit", "nowhere")


def test_without_as_it_needs_a_superuser(organisation: Any, security_officer: Any, make_person: Any) -> None:
    with pytest.raises(CommandError, match="--as USERNAME"):
        run(NESSUS)
    admin = make_person("root", organisation.root, is_superuser=True)
    _out, _err, status = run(NESSUS)
    assert status == 0
    assert ScanImport.objects.get().created_by == admin
