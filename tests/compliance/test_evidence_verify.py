"""`garrison evidence verify`: clean store exits 0; a corrupted blob exits 1 naming the evidence."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from garrison.compliance.models import Evidence, EvidenceVersion
from tests.compliance.evidence_support import *  # noqa: F403


def run(*arguments: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("evidence", "verify", *arguments, stdout=out, stderr=err)
    except SystemExit as exit_status:
        return int(exit_status.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def blob_path(version: EvidenceVersion) -> Path:
    assert version.attachment is not None
    return (
        Path(settings.STORAGES["default"]["OPTIONS"]["location"])
        / version.attachment.stored_file.storage_name
    )


def test_a_clean_store_verifies(file_evidence: Evidence) -> None:
    code, out, err = run()
    assert code == 0
    assert "1 evidence versions checked, 0 problems" in out
    assert err == ""


def test_a_corrupted_blob_is_reported_with_the_evidence_reference(file_evidence: Evidence) -> None:
    version = file_evidence.versions.get()
    path = blob_path(version)
    path.write_bytes(path.read_bytes() + b"tampered")
    code, _out, err = run()
    assert code == 1
    assert f"{file_evidence.reference} v1 nmap_multiple_port.xml" in err
    assert "does not match its hash" in err
    assert "1 problems" in err


def test_a_missing_blob_is_reported_as_json(file_evidence: Evidence) -> None:
    blob_path(file_evidence.versions.get()).unlink()
    code, out, _err = run("--json")
    document = json.loads(out)
    assert code == 1
    assert document["ok"] is False
    assert document["problems"][0]["evidence"] == file_evidence.reference
    assert document["problems"][0]["reason"] == "the stored file is missing"


def test_a_version_whose_recorded_hash_differs_is_reported(file_evidence: Evidence) -> None:
    EvidenceVersion.objects.filter(evidence=file_evidence).update(sha256="0" * 64)
    code, out, _err = run("--json")
    assert code == 1
    assert "records SHA-256 " + "0" * 64 in json.loads(out)["problems"][0]["reason"]


@pytest.mark.parametrize("arguments", [(), ("--json",)])
def test_the_garrison_command_maps_to_it(file_evidence: Evidence, arguments: Any, capsys: Any) -> None:
    from garrison.cli import main

    try:
        main(["evidence", "verify", *arguments])
    except SystemExit as exit_status:  # pragma: no cover - only when something is wrong
        pytest.fail(f"exited {exit_status.code}")
    assert "problems" in capsys.readouterr().out
