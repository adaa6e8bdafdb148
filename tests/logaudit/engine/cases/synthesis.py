"""Synthetic events for a Sigma rule, made from the rule's own detection values.

For each rule: positives (one per way through its condition, each a candidate that the
reference evaluator confirms), and negatives made from a positive — one value changed, the
log source changed, a filter of the condition hit, one value a character longer or shorter,
every value in capitals. The negatives are not asserted to be
negative: engine and evaluator must only agree on them (and on every other rule's events).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from tests.logaudit.engine.reference_evaluator import NotEvaluable, ReferenceRule

MAX_WAYS = 6  # ways through one condition that are tried as positives

# A string each regular expression of the sample rules matches (written by hand: generating a
# match for an arbitrary pattern is not worth it for seven patterns).
REGEX_SAMPLES = {
    "(.){200,}": "a" * 210,
    r"(?:\s-[^-\s]{0,20}i|\s--inode\s)": " -i ",
    r"(?:\s-[^-\s]{0,20}d|\s--directory\s)": " -d ",
    r"""-(W|R)\s?(\s|"|')([0-9a-fA-F]{2}\s?){2,20}(\s|"|')""": "-W 0a0b ",
    "-D": "-D",
    r"\s-O\s": " -O ",
    r"\s-[FTd]\s": " -F ",
    r"(^|\/)\.[^.\/]": "/.hidden",
}

Leaf = ConditionFieldEqualsValueExpression | ConditionValueExpression


@dataclass
class Synthesis:
    rule_id: str
    positives: list[dict[str, Any]] = field(default_factory=list)
    negatives: list[dict[str, Any]] = field(default_factory=list)
    why_no_positive: str = ""


def ways(node: Any) -> list[list[Leaf]]:
    """Conjunctions of leaves that make the condition true, when the fields every `not`
    speaks of are left out (a missing field matches nothing)."""
    if isinstance(node, ConditionAND):
        result: list[list[Leaf]] = [[]]
        for argument in node.args:
            options = ways(argument)
            result = [
                left + right for left, right in itertools.islice(itertools.product(result, options), MAX_WAYS)
            ]
        return result
    if isinstance(node, ConditionOR):
        return [way for argument in node.args for way in ways(argument)][:MAX_WAYS]
    if isinstance(node, ConditionNOT):
        return [[]]
    return [[node]]


def negated_subtrees(node: Any) -> list[Any]:
    if isinstance(node, ConditionNOT):
        return [node.args[0]]
    if isinstance(node, ConditionAND | ConditionOR):
        return [inner for argument in node.args for inner in negated_subtrees(argument)]
    return []


def string_sample(value: SigmaString) -> str:
    parts = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            parts.append("")
        elif part is SpecialChars.WILDCARD_SINGLE:
            parts.append("a")
        else:
            parts.append(str(part))
    return "".join(parts)


def value_sample(value: Any) -> Any:
    """A value that satisfies one rule value, or None when the field must stay absent."""
    if isinstance(value, SigmaExpansion):
        return value_sample(value.values[0])
    if isinstance(value, SigmaString):
        return string_sample(value)
    if isinstance(value, SigmaRegularExpression):
        pattern = str(value.regexp)
        if pattern in REGEX_SAMPLES:
            return REGEX_SAMPLES[pattern]
        if re.escape(pattern) == pattern:
            return pattern
        raise NotEvaluable(f"no sample for the regular expression {pattern!r}")
    if isinstance(value, SigmaCIDRExpression):
        return str(next(iter(value.network.hosts()), value.network.network_address))
    if isinstance(value, SigmaCompareExpression):
        number = value.number.number
        step = {CompareOperators.LT: -1, CompareOperators.GT: 1}.get(value.op, 0)
        return number + step
    if isinstance(value, SigmaNumber):
        return value.number
    if isinstance(value, SigmaBool):
        return value.boolean
    if isinstance(value, SigmaExists):
        return "present" if value.exists else None
    if isinstance(value, SigmaNull):
        return None
    raise NotEvaluable(f"no sample for {type(value).__name__}")


def _order(value: Any) -> int:
    """Where a string's sample goes when several samples share a field: prefixes first,
    suffixes last."""
    if isinstance(value, SigmaString):
        starts_free = value.startswith(SpecialChars.WILDCARD_MULTI)
        ends_free = value.endswith(SpecialChars.WILDCARD_MULTI)
        if not starts_free and ends_free:
            return 0
        if starts_free and not ends_free:
            return 2
    return 1


def gate_fields(rule: ReferenceRule) -> dict[str, Any]:
    source = rule.sigma.logsource
    category, service = source.category or "", source.service or ""
    if category == "process_creation":
        return {"EventID": 1}
    if category == "file_event":
        return {"EventID": 11}
    if category == "network_connection":
        return {"EventID": 3}
    if service == "auditd":
        return {"type": "SYSCALL"}
    apps = {"sshd": "sshd", "cron": "cron", "vsftpd": "vsftpd", "clamav": "clamd", "guacamole": "guacd"}
    return {"app": apps.get(service, "kernel"), "message": ""}


def build_event(rule: ReferenceRule, leaves: list[Leaf], number: int) -> dict[str, Any]:
    event: dict[str, Any] = {"UtcTime": f"2026-11-02T10:{number // 60 % 60:02d}:{number % 60:02d}Z"}
    event.update(gate_fields(rule))
    per_field: dict[str, list[Any]] = {}
    keywords: list[str] = []
    references: list[tuple[str, SigmaFieldReference]] = []
    absent: set[str] = set()
    for leaf in leaves:
        if isinstance(leaf, ConditionValueExpression):
            keywords.append(str(value_sample(leaf.value)))
            continue
        if isinstance(leaf.value, SigmaFieldReference):
            references.append((leaf.field, leaf.value))
            continue
        sample = value_sample(leaf.value)
        if sample is None:
            absent.add(leaf.field)
            continue
        per_field.setdefault(leaf.field, []).append((_order(leaf.value), sample))
    for name, samples in per_field.items():
        if len(samples) == 1:
            event[name] = samples[0][1]
        else:
            event[name] = " ".join(str(sample) for _, sample in sorted(samples, key=lambda item: item[0]))
    for name, reference in references:
        event.setdefault(reference.field, "shared-value")
        event[name] = event[reference.field]
    if keywords:
        if "message" in event:
            event["message"] = " ".join(keywords)
        else:
            for index, keyword in enumerate(keywords):
                event[f"keyword{index}"] = keyword
    for name in absent:
        event.pop(name, None)
    return event


def changed_value(event: dict[str, Any], leaves: list[Leaf]) -> dict[str, Any] | None:
    for leaf in leaves:
        name = getattr(leaf, "field", None) or ("message" if "message" in event else None)
        if name and isinstance(event.get(name), str) and event[name]:
            changed = dict(event)
            changed[name] = "unrelated-" + event[name][::-1] + "-value"
            return changed
    return None


def near_misses(event: dict[str, Any], leaves: list[Leaf]) -> list[dict[str, Any]]:
    """The positive with one string value a character longer at either end, or a character
    shorter in the middle: each tests the edge of a wildcard or an anchor."""
    variants: list[dict[str, Any]] = []
    names = [leaf.field for leaf in leaves if isinstance(leaf, ConditionFieldEqualsValueExpression)]
    for name in list(dict.fromkeys(names))[:3]:
        value = event.get(name)
        if not isinstance(value, str) or not value:
            continue
        middle = len(value) // 2
        for changed in (value + "x", "x" + value, value[:middle] + value[middle + 1 :]):
            variants.append({**event, name: changed})
    return variants


def shouted(event: dict[str, Any]) -> dict[str, Any]:
    """The positive with every string value in capitals (Sigma matching ignores case)."""
    return {name: value.upper() if isinstance(value, str) else value for name, value in event.items()}


def other_logsource(rule: ReferenceRule, event: dict[str, Any]) -> dict[str, Any]:
    changed = dict(event)
    source = rule.sigma.logsource
    if source.category:
        changed["EventID"] = 4688  # a Windows process creation: no Linux log source
    elif source.service == "auditd":
        changed["EventID"] = 1
    elif source.service and source.service != "syslog":
        changed["app"] = "systemd"
    else:
        changed["msg"] = changed.pop("message", "")
    return changed


def synthesise(rule: ReferenceRule, first_number: int) -> Synthesis:
    result = Synthesis(rule.rule_id)
    conditions = [condition.parse() for condition in rule.sigma.detection.parsed_condition]
    number = first_number
    reasons: list[str] = []
    for condition in conditions:
        for leaves in ways(condition):
            try:
                candidate = build_event(rule, leaves, number)
            except NotEvaluable as error:
                reasons.append(str(error))
                continue
            number += 1
            if not rule.matches(candidate):
                reasons.append("the values of one way through the condition contradict each other")
                continue
            result.positives.append(candidate)
            changed = changed_value(candidate, leaves)
            if changed is not None:
                result.negatives.append(changed)
            result.negatives.append(other_logsource(rule, candidate))
            result.negatives.extend(near_misses(candidate, leaves))
            result.negatives.append(shouted(candidate))
            for negated in negated_subtrees(condition):
                for filter_leaves in ways(negated)[:2]:
                    try:
                        hit = build_event(rule, leaves + filter_leaves, number)
                    except NotEvaluable:
                        continue
                    result.negatives.append(hit)
            if len(result.positives) >= 2:
                return result
    if not result.positives:
        result.why_no_positive = "; ".join(dict.fromkeys(reasons)) or "no way through the condition"
    return result
