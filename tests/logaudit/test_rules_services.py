"""The detection-rule library: syncing Garrison's pack, adding one rule, importing SigmaHQ's
Linux rules, switching rules on and off, and compiling the enabled ones once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from garrison.core.models import AuditEvent
from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services
from tests.logaudit.conftest import SIGMA_SAMPLES

pytestmark = pytest.mark.django_db

PACK = services.PACK_DIRECTORY
PACK_FILES = sorted(PACK.rglob("*.yml"))

CUSTOM_RULE = """
title: Maintenance script run by hand
id: 6f1c1b9e-8a57-4e0e-9a43-0c1f3e2a7d11
status: experimental
description: Someone ran the maintenance script outside its timer.
author: Operations
logsource:
    category: process_creation
    product: linux
detection:
    selection:
        CommandLine|contains: '/opt/maintenance/run.sh'
    condition: selection
level: low
"""

UNRUNNABLE_RULE = """
title: Windows rule in a Linux library
id: 0b3c7f0e-2a55-4c59-8d0e-1e6f2f7a9c21
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\\\cmd.exe'
    condition: selection
level: low
"""


def rule_events(rule: DetectionRule) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="logaudit.detectionrule", object_id=str(rule.pk)))


def test_the_pack_is_stored_whole_with_its_author_and_licence() -> None:
    summary = services.sync_rule_pack()
    assert summary.problems == []
    assert summary.cannot_run == []
    assert summary.added == len(PACK_FILES) >= 25
    rules = DetectionRule.objects.filter(origin=RuleOrigin.GARRISON)
    assert rules.count() == len(PACK_FILES)
    assert set(rules.values_list("author", flat=True)) == {"Garrison"}
    assert set(rules.values_list("licence", flat=True)) == {services.GARRISON_LICENCE}
    assert rules.filter(runnable=True, enabled=True).count() == len(PACK_FILES)
    assert rules.filter(is_correlation=True).count() >= 1


def test_a_second_sync_changes_nothing() -> None:
    services.sync_rule_pack()
    events_before = AuditEvent.objects.count()
    updated_before = dict(DetectionRule.objects.values_list("rule_id", "updated_at"))
    summary = services.sync_rule_pack()
    assert (summary.added, summary.updated, summary.disabled) == (0, 0, 0)
    assert summary.unchanged == len(PACK_FILES)
    assert AuditEvent.objects.count() == events_before
    assert dict(DetectionRule.objects.values_list("rule_id", "updated_at")) == updated_before


def test_a_changed_rule_is_updated_in_place_and_a_removed_one_switched_off(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    services.sync_rule_pack(directory=pack)
    changed_file = pack / "firewall" / "proc_firewall_changed.yml"
    removed_file = pack / "data_export" / "proc_outbound_copy.yml"
    changed = DetectionRule.objects.get(source_path=str(changed_file))
    removed = DetectionRule.objects.get(source_path=str(removed_file))
    changed_file.write_text(changed_file.read_text().replace("level: medium", "level: high"))
    removed_file.unlink()

    summary = services.sync_rule_pack(directory=pack)

    assert (summary.added, summary.updated, summary.disabled) == (0, 1, 1)
    changed.refresh_from_db()
    removed.refresh_from_db()
    assert changed.level == "high"
    assert changed.enabled
    assert not removed.enabled
    assert DetectionRule.objects.filter(pk=removed.pk).exists()
    assert rule_events(removed)[0].reason == str(services.REMOVED_FROM_PACK)


def test_a_rule_is_added_from_its_yaml(ciso: Any) -> None:
    rule = services.add_rule(CUSTOM_RULE, by=ciso)
    assert rule.rule_id == "6f1c1b9e-8a57-4e0e-9a43-0c1f3e2a7d11"
    assert rule.origin == RuleOrigin.CUSTOM
    assert rule.author == "Operations"
    assert rule.logsource == {"product": "linux", "category": "process_creation"}
    assert rule.runnable
    assert rule.enabled
    assert rule.text.strip() == CUSTOM_RULE.strip()
    assert [event.action for event in rule_events(rule)] == ["create"]


def test_a_rule_the_engine_cannot_run_is_kept_with_the_reason(ciso: Any) -> None:
    rule = services.add_rule(UNRUNNABLE_RULE, by=ciso)
    assert not rule.runnable
    assert "log source" in rule.problem


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("title: [unclosed", "invalid YAML"),
        ("title: Only a title\n", "not a Sigma rule the engine can read"),
        ("- just\n- a list\n", "not a Sigma rule the engine can read"),
        ("   ", "Paste or upload"),
        (CUSTOM_RULE + "\n---\n" + UNRUNNABLE_RULE, "add one rule at a time"),
    ],
)
def test_a_text_that_is_not_one_sigma_rule_is_refused_with_the_reason(
    ciso: Any, text: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_rule(text, by=ciso)
    assert reason in " ".join(refused.value.messages)
    assert not DetectionRule.objects.exists()


def test_an_identifier_in_use_is_refused(ciso: Any) -> None:
    services.add_rule(CUSTOM_RULE, by=ciso)
    with pytest.raises(ValidationError, match="exists already"):
        services.add_rule(CUSTOM_RULE.replace("Maintenance script", "Another"), by=ciso)
    assert DetectionRule.objects.count() == 1


def test_a_correlation_rule_finds_its_base_rules_in_the_library(ciso: Any) -> None:
    services.sync_rule_pack()
    correlation = """
title: Many database dumps on one host
id: 2b0f8f8e-3c3a-4f7e-9a5e-5d8f1c2b3a41
correlation:
    type: event_count
    rules:
        - garrison_account_created
    group-by:
        - Computer
    timespan: 1h
    condition:
        gte: 3
level: medium
"""
    rule = services.add_rule(correlation, by=ciso)
    assert rule.is_correlation
    assert rule.runnable, rule.problem


def test_only_people_over_the_whole_organisation_change_the_library(
    ciso: Any, security_officer: Any, auditor: Any, colleague: Any
) -> None:
    for person in (security_officer, auditor, colleague):
        with pytest.raises(PermissionDenied):
            services.add_rule(CUSTOM_RULE, by=person)
        with pytest.raises(PermissionDenied):
            services.import_rule_files([SIGMA_SAMPLES / "builtin" / "sshd"], by=person)
    rule = services.add_rule(CUSTOM_RULE, by=ciso)
    for person in (security_officer, auditor, colleague):
        with pytest.raises(PermissionDenied):
            services.set_enabled(rule, False, by=person)
    rule.refresh_from_db()
    assert rule.enabled
    assert DetectionRule.objects.count() == 1


def test_switching_a_rule_is_audited_with_the_reason(ciso: Any) -> None:
    rule = services.add_rule(CUSTOM_RULE, by=ciso)
    services.set_enabled(rule, False, by=ciso, reason="Too noisy on build hosts")
    services.set_enabled(rule, False, by=ciso)
    rule.refresh_from_db()
    assert not rule.enabled
    latest = rule_events(rule)[0]
    assert latest.changes == {"enabled": [True, False]}
    assert latest.reason == "Too noisy on build hosts"
    assert len(rule_events(rule)) == 2


def test_the_sigmahq_linux_rules_are_all_stored_with_author_and_licence() -> None:
    files = sorted(SIGMA_SAMPLES.rglob("*.yml"))
    summary = services.import_rule_files([SIGMA_SAMPLES], by=None)
    assert summary.problems == []
    assert summary.added == len(files) == 210
    rules = DetectionRule.objects.filter(origin=RuleOrigin.SIGMAHQ)
    assert rules.count() == 210
    assert not rules.filter(author="").exists()
    assert set(rules.values_list("licence", flat=True)) == {services.SIGMAHQ_LICENCE}
    assert rules.exclude(references=[]).count() > 100
    assert rules.filter(runnable=False).count() == len(summary.cannot_run)
    sample = rules.get(rule_id="d292e0af-9a18-420c-9525-ec0ac3936892")
    assert sample.author == "Nasreddine Bencherchali (Nextron Systems)"
    assert sample.references == ["https://www.tecmint.com/different-types-of-linux-shells/"]

    again = services.import_rule_files([SIGMA_SAMPLES], by=None)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 210)


def test_an_import_reports_bad_files_and_stores_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(CUSTOM_RULE)
    (tmp_path / "broken.yml").write_text("title: [unclosed")
    summary = services.import_rule_files([tmp_path], by=None, origin=RuleOrigin.CUSTOM)
    assert summary.added == 1
    assert [Path(problem.path).name for problem in summary.problems] == ["broken.yml"]
    assert "invalid YAML" in summary.problems[0].reason
    assert DetectionRule.objects.get().origin == RuleOrigin.CUSTOM


def test_an_import_does_not_take_over_a_pack_rule(tmp_path: Path) -> None:
    services.sync_rule_pack()
    shutil.copy(PACK_FILES[0], tmp_path / "copy.yml")
    summary = services.import_rule_files([tmp_path], by=None, origin=RuleOrigin.CUSTOM)
    assert summary.added == 0
    assert "another origin" in summary.problems[0].reason
    assert not DetectionRule.objects.filter(origin=RuleOrigin.CUSTOM).exists()


def test_enabled_rules_compile_once_for_the_same_texts(ciso: Any, monkeypatch: Any) -> None:
    services.forget_compiled_rules()
    services.sync_rule_pack()
    calls: list[int] = []
    real = services.compile_rules

    def counting(rules: Any, **options: Any) -> Any:
        calls.append(len(rules.rules))
        return real(rules, **options)

    monkeypatch.setattr(services, "compile_rules", counting)
    compiled, rows = services.enabled_rules()
    services.enabled_rules()
    assert len(calls) == 1
    assert len(rows) == len(PACK_FILES)
    assert {rule.rule.rule_id for rule in compiled.rules} == set(rows)

    services.set_enabled(next(iter(rows.values())), False, by=ciso)
    _compiled, fewer = services.enabled_rules()
    assert len(calls) == 2
    assert len(fewer) == len(PACK_FILES) - 1
