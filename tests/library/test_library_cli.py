"""`garrison library import PATH...`, `garrison library list` and `garrison library load-shipped`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from garrison import cli
from garrison.library.models import LoadedLibrary
from garrison.risks.models import Threat
from tests.library import builders

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("library", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_import_loads_each_file_and_reports_what_it_did(tmp_path: Path) -> None:
    first = builders.write(tmp_path, builders.library(), "basics.yaml")
    output = run("import", str(first))
    assert output.splitlines() == [
        f"{first}: urn:test:library:risk-basics version 1 added",
        "  risk_matrices: 1 added",
        "  threats: 3 added",
    ]
    newer = builders.write(tmp_path, builders.library(version=2, threats=[builders.threat(1)]), "newer.yaml")
    output = run("import", str(newer))
    assert output.splitlines() == [
        f"{newer}: urn:test:library:risk-basics version 2 upgraded (was version 1)",
        "  risk_matrices: 1 unchanged",
        "  threats: 1 unchanged, 2 removed",
    ]
    assert LoadedLibrary.objects.get().version == 2


def test_import_refuses_a_bad_file_with_its_errors_and_a_failing_exit(tmp_path: Path) -> None:
    good = builders.write(tmp_path, builders.library(), "good.yaml")
    bad = builders.write(
        tmp_path,
        builders.library(urn="urn:test:library:bad", threats=[builders.threat(9, ref_id="")], matrices=[]),
        "bad.yaml",
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 libraries refused; nothing of them was written"):
        call_command("library", "import", str(good), str(bad), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [f"{bad}: refused", "  urn:test:threat:t9, ref_id: required"]
    assert list(LoadedLibrary.objects.values_list("urn", flat=True)) == ["urn:test:library:risk-basics"]
    assert not Threat.objects.filter(urn="urn:test:threat:t9").exists()


def test_import_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("import", str(tmp_path / "absent.yaml"))
    assert not LoadedLibrary.objects.exists()


def test_list_shows_the_loaded_libraries_with_version_and_counts(tmp_path: Path) -> None:
    assert run("list").strip() == "no library is loaded"
    run("import", str(builders.write(tmp_path, builders.library())))
    line = run("list").strip()
    assert line.startswith(
        "urn:test:library:risk-basics  version 1  Risk basics  (1 risk_matrices, 3 threats; "
    )


def test_load_shipped_through_the_garrison_command_is_idempotent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Any
) -> None:
    # The command line closes connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    cli.main(["library", "load-shipped"])
    first = capsys.readouterr().out
    assert "urn:garrison:library:risk-defaults version 1 added" in first
    assert "threats: 45 added" in first
    cli.main(["library", "load-shipped"])
    second = capsys.readouterr().out
    assert "urn:garrison:library:risk-defaults version 1 unchanged" in second
    assert "threats: 45 unchanged" in second
    assert Threat.objects.count() == 45
