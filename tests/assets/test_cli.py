"""`garrison assets-import FILE [--commit] [--as USERNAME]`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person

pytestmark = pytest.mark.django_db

GOOD = "reference,name,type,owner,custodian unit\nSRV-1,Web,server,owner,bj\nSRV-2,Db,data_set,owner,bj-ops\n"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("assets_import", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_without_commit_it_previews_and_writes_nothing(tmp_path: Path, owner: Person) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(GOOD, encoding="utf-8")
    status, out, err = run(str(path))
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "2 rows: 2 to create, 0 to update, 0 unchanged",
        "preview only: run again with --commit to import",
    ]
    assert not Asset.objects.exists()


def test_with_commit_it_imports_as_the_person_named(tmp_path: Path, owner: Person) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(GOOD, encoding="utf-8")
    status, out, _err = run(str(path), "--commit", "--as", "OWNER")
    assert status == 0
    assert out.strip() == "imported inventory.csv: 2 created, 0 updated, 0 unchanged"
    assert sorted(Asset.objects.values_list("reference", flat=True)) == ["SRV-1", "SRV-2"]
    assert set(AuditEvent.objects.filter(object_type="assets.asset").values_list("actor_id", flat=True)) == {
        owner.pk
    }


def test_errors_are_listed_by_row_and_nothing_is_imported(tmp_path: Path, owner: Person) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(GOOD + "SRV-3,Cache,server,zhangw,bj\n", encoding="utf-8")
    status, _out, err = run(str(path), "--commit")
    assert status == 1
    assert err.splitlines() == ["Row 4, owner: no person with username “zhangw”.", "nothing imported"]
    assert not Asset.objects.exists()


def test_acting_as_someone_holds_the_import_to_their_reach(
    tmp_path: Path, outsider: Person, owner: Person
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(GOOD, encoding="utf-8")
    status, _out, err = run(str(path), "--as", "outsider")
    assert status == 1
    assert "Row 2, owner: no person with username “owner”." in err.splitlines()


def test_an_unknown_person_or_file_is_a_command_error(tmp_path: Path, organisation: Any) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="no person with username 'ghost'"):
        call_command("assets_import", str(path), "--as", "ghost")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("assets_import", str(tmp_path / "missing.csv"))


def test_the_garrison_command_knows_it_by_its_dashed_name(tmp_path: Path) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "GARRISON_TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"}
    }
    environment["GARRISON_DATA_DIR"] = str(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "garrison.cli", "help", "assets-import"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "usage: garrison assets_import" in completed.stdout
    assert "--commit" in completed.stdout
