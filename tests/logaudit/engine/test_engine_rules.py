"""Loading and compiling Sigma rules: every sample rule runs; what cannot run says why."""

from __future__ import annotations

from pathlib import Path

from garrison.logaudit.engine.compiler import CompiledRule, compile_rules
from garrison.logaudit.engine.rules import RuleProblem, load_rules, parse_rule_text

from .engine_helpers import compiled, matched_lines, process, process_rule

SAMPLES = Path("/work/shared/samples/sigma/rules/linux")


def test_every_sample_rule_loads_and_compiles_without_problems() -> None:
    loaded = load_rules([SAMPLES])
    result = compile_rules(loaded)
    assert len(loaded.rules) == 210
    assert loaded.problems == []
    assert result.problems == []
    assert len(result.detections) == 210
    assert {rule.logsource for rule in result.detections} == {
        "process_creation", "auditd", "linux", "file_event", "network_connection",
        "syslog", "clamav", "cron", "guacamole", "sshd", "vsftpd",
    }  # fmt: skip


def test_sigmahq_rules_keep_author_link_and_licence() -> None:
    loaded = load_rules([SAMPLES / "process_creation" / "proc_creation_lnx_curl_usage.yml"])
    (rule,) = loaded.rules
    assert rule.rule_id == "ea34fb97-e2c4-4afb-810f-785e4459b194"
    assert rule.title == "Curl Usage on Linux"
    assert rule.author == "Nasreddine Bencherchali (Nextron Systems)"
    assert rule.license == "DRL 1.1"
    assert rule.references
    assert rule.references[0].startswith("https://")
    assert rule.logsource == {"product": "linux", "category": "process_creation"}
    assert rule.level == "low"
    assert rule.is_correlation is False
    assert "Image|endswith: '/curl'" in rule.text


def test_our_own_rule_has_no_licence_unless_it_says_so() -> None:
    (rule,) = parse_rule_text(process_rule("    sel:\n        Image: x\n    condition: sel")).rules
    assert rule.license == ""
    (licensed,) = parse_rule_text(
        process_rule("    sel:\n        Image: x\n    condition: sel") + "license: MIT\n"
    ).rules
    assert licensed.license == "MIT"


def test_invalid_yaml_names_the_file_and_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("title: x\ndetection: [unclosed\n")
    result = load_rules([tmp_path])
    assert result.rules == []
    (problem,) = result.problems
    assert problem.path == str(broken)
    assert problem.reason.startswith("invalid YAML")


def test_a_rule_without_detection_is_a_problem_with_the_reason() -> None:
    result = parse_rule_text("title: No detection\nlogsource:\n    product: linux\n", "r.yml")
    assert result.rules == []
    (problem,) = result.problems
    assert problem.path == "r.yml"
    assert problem.rule == "No detection"
    assert "detection" in problem.reason.lower()


def test_a_reused_id_is_reported_and_the_second_rule_left_out(tmp_path: Path) -> None:
    text = process_rule("    sel:\n        Image: x\n    condition: sel")
    (tmp_path / "a.yml").write_text(text)
    (tmp_path / "b.yml").write_text(text)
    result = load_rules([tmp_path])
    assert len(result.rules) == 1
    (problem,) = result.problems
    assert problem.path == str(tmp_path / "b.yml")
    assert "already used" in problem.reason


def test_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    result = load_rules([tmp_path / "nowhere"])
    assert result.problems == [RuleProblem(str(tmp_path / "nowhere"), "", "no such file or folder")]


def test_a_log_source_without_pipeline_cannot_run_and_says_so() -> None:
    text = process_rule("    sel:\n        Image: x\n    condition: sel").replace(
        "product: linux", "product: windows"
    )
    result = compiled(text)
    assert result.rules == []
    (problem,) = result.problems
    assert problem.reason == "no pipeline covers the log source product:windows/category:process_creation"


def test_a_regular_expression_re2_cannot_run_is_reported() -> None:
    result = compiled(process_rule("    sel:\n        CommandLine|re: 'a(?=b)'\n    condition: sel"))
    assert result.rules == []
    (problem,) = result.problems
    assert problem.rule == "Test rule"
    assert "a(?=b)" in problem.reason
    assert "invalid" in problem.reason


def test_a_placeholder_without_value_is_a_problem_and_with_one_it_matches(tmp_path: Path) -> None:
    text = process_rule("    sel:\n        User|expand: '%admins%'\n    condition: sel")
    result = compiled(text)
    (problem,) = result.problems
    assert "admins" in problem.reason
    lines = matched_lines(
        text, [process(User="alice"), process(User="bob"), process(User="ROOT")], tmp_path,
        placeholders={"admins": ["alice", "root"]},
    )  # fmt: skip
    assert lines == [1, 3]


def test_several_documents_keep_their_own_text() -> None:
    first = process_rule("    sel:\n        Image: x\n    condition: sel", title="First")
    second = first.replace("First", "Second").replace(
        "0f0e0d0c-0000-4000-8000-000000000001", "0f0e0d0c-0000-4000-8000-000000000002"
    )
    result = parse_rule_text(first + "---\n" + second)
    assert [rule.title for rule in result.rules] == ["First", "Second"]
    assert "Second" not in result.rules[0].text
    assert "Second" in result.rules[1].text
    assert parse_rule_text(result.rules[1].text).rules[0].title == "Second"


def test_a_correlation_over_an_unknown_rule_cannot_run() -> None:
    text = """
title: Count of nothing
id: 0f0e0d0c-0000-4000-8000-00000000000c
correlation:
    type: event_count
    rules:
        - no-such-rule
    group-by:
        - User
    timespan: 5m
    condition:
        gte: 2
"""
    result = compiled(text)
    assert result.rules == []
    (problem,) = result.problems
    assert problem.reason == "refers to rule no-such-rule, which is not loaded"


def test_compiled_rules_carry_their_loaded_rule() -> None:
    result = compiled(process_rule("    sel:\n        Image|endswith: /curl\n    condition: sel"))
    (rule,) = result.rules
    assert isinstance(rule, CompiledRule)
    assert rule.rule.title == "Test rule"
    assert rule.logsource == "process_creation"
    assert "ends_with" in rule.sql
