"""`garrison logaudit rules sync|import|list`: the rule library from the command line, with
exit status 1 when a file or rule is named with a problem."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from garrison.core.models import AuditEvent
from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services
from tests.logaudit.conftest import SIGMA_SAMPLES

pytestmark = pytest.mark.django_db

PACK_SIZE = len(list(services.PACK_DIRECTORY.rglob("*.yml")))


def run(*args: Any) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("logaudit", "rules", *[str(arg) for arg in args], stdout=out, stderr=err)
    except CommandError as failed:
        return out.getvalue(), err.getvalue(), failed.returncode
    return out.getvalue(), err.getvalue(), 0


def test_sync_stores_the_pack_and_a_second_run_changes_nothing() -> None:
    out, err, status = run("sync")
    assert (status, err) == (0, "")
    assert f"{PACK_SIZE} added, 0 updated, 0 unchanged, 0 switched off" in out
    out, err, status = run("sync")
    assert (status, err) == (0, "")
    assert f"0 added, 0 updated, {PACK_SIZE} unchanged, 0 switched off" in out
    assert DetectionRule.objects.filter(origin=RuleOrigin.GARRISON).count() == PACK_SIZE


def test_import_stores_sigmahq_rules_as_the_named_person(ciso: Any) -> None:
    out, err, status = run("import", SIGMA_SAMPLES / "builtin" / "sshd", "--as", "ciso")
    files = list((SIGMA_SAMPLES / "builtin" / "sshd").glob("*.yml"))
    assert (status, err) == (0, "")
    assert f"{len(files)} added, 0 updated, 0 unchanged; 0 stored but not runnable; 0 not stored" in out
    rule = DetectionRule.objects.get(source_path=str(files[0]))
    assert rule.origin == RuleOrigin.SIGMAHQ
    assert rule.licence == services.SIGMAHQ_LICENCE
    event = AuditEvent.objects.get(object_type="logaudit.detectionrule", object_id=str(rule.pk))
    assert event.actor_id == ciso.pk


def test_import_names_bad_files_and_rules_that_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("title: [unclosed")
    (tmp_path / "windows.yml").write_text(
        "title: A Windows rule\nid: 7f0c2d4e-1b3a-4c5d-9e8f-0a1b2c3d4e5f\n"
        "logsource:\n    product: windows\n    category: process_creation\n"
        "detection:\n    selection:\n        Image: x\n    condition: selection\n"
    )
    out, err, status = run("import", tmp_path, "--origin", "custom")
    assert status == 1
    assert "1 added, 0 updated, 0 unchanged; 1 stored but not runnable; 1 not stored" in out
    assert f"{tmp_path / 'broken.yml'}: not stored: invalid YAML" in err
    assert "[A Windows rule]: cannot run: no pipeline covers the log source" in err
    assert DetectionRule.objects.get().origin == RuleOrigin.CUSTOM


def test_import_refuses_someone_who_may_not_change_the_library(security_officer: Any) -> None:
    _out, err, status = run("import", SIGMA_SAMPLES / "builtin" / "sshd", "--as", "secofficer")
    assert status == 1
    assert "Only Security Officers and Administrators of the whole organisation" in err
    assert not DetectionRule.objects.exists()
    _out, err, status = run("import", SIGMA_SAMPLES / "builtin" / "sshd", "--as", "nobody")
    assert status == 1
    assert "no active person with username 'nobody'" in err


def test_list_prints_every_rule_with_its_state() -> None:
    run("sync")
    rule = DetectionRule.objects.get(rule_id="dbadbad8-573d-4ee2-aae0-577cee648912")
    services.set_enabled(rule, False, by=None)
    out, err, status = run("list")
    lines = out.splitlines()
    assert (status, err) == (0, "")
    assert len(lines) == PACK_SIZE + 1
    assert f"off garrison medium        {rule.rule_id}  {rule.title}" in lines
    assert lines[-1] == f"{PACK_SIZE} rules, {PACK_SIZE - 1} enabled and runnable"
