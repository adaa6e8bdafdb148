"""An independent evaluator of Sigma rules, written plainly in Python, that the engine's DuckDB
matches are compared with.

It shares nothing with the engine but pySigma's parser: rules are parsed by pySigma (so the
values after modifiers are pySigma's SigmaString, SigmaRegularExpression, SigmaCIDRExpression …)
and every condition tree is walked here, one event dict at a time. Which events a rule applies
to, and where a Sigma field is found in an event, comes from our own small table
(`LOGSOURCES`), written from the engine's documented mapping, never imported from it.

Matching follows the Sigma specification: strings match the whole value, case-insensitively
unless `cased`; `*` and `?` are wildcards; regular expressions are searched (unanchored) and
case-sensitive unless the `i` flag is set; a missing field matches nothing, so `not` of it is
true; keywords (values without a field) are searched in the event's text. Correlation rules
are evaluated over these matches in cases/reference_correlations.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from sigma.collection import SigmaCollection
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.correlations import (
    SigmaCorrelationRule,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
    TimestampPart,
)

Event = Mapping[str, Any]


class NotEvaluable(Exception):
    """A rule uses something the reference evaluator does not evaluate (named in the message)."""


# --- Log sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Logsource:
    """What one Sigma logsource means over our events: which events it covers and where a
    Sigma field is read from (the first of its event fields that holds a value)."""

    applies: Callable[[Event], bool]
    fields: Mapping[str, Sequence[str]] = field(default_factory=dict)  # Sigma field -> event fields

    def lookup(self, event: Event, name: str) -> Any:
        if name not in self.fields:
            return event.get(name)
        for candidate in self.fields[name]:
            value = event.get(candidate)
            if value is not None:
                return value
        return None

    def present(self, event: Event, name: str) -> bool:
        """`exists` asks whether the key is there, whatever its value (null included)."""
        return any(candidate in event for candidate in self.fields.get(name, (name,)))


# The engine's documented table (engine/pipelines.py docstring), written out again here.
# "Has a field" means the field holds a value (JSON null counts as absent).


def _has(event: Event, name: str) -> bool:
    return event.get(name) is not None


def _is_process_creation(event: Event) -> bool:
    sysmon = _has(event, "EventID") and text_of(event["EventID"]) == "1"
    bastion = _has(event, "command") and not _has(event, "EventID")
    return sysmon or bastion


def _sysmon(event_id: str) -> Callable[[Event], bool]:
    return lambda event: _has(event, "EventID") and text_of(event["EventID"]) == event_id


def _is_auditd(event: Event) -> bool:
    return _has(event, "type") and not _has(event, "EventID")


def _has_message(event: Event) -> bool:
    return _has(event, "message")


def _syslog_of(*apps: str) -> Callable[[Event], bool]:
    return lambda event: _has_message(event) and _has(event, "app") and text_of(event["app"]).lower() in apps


PROCESS_FIELDS: dict[str, Sequence[str]] = {
    "CommandLine": ("CommandLine", "command"),
    "User": ("User", "user"),
    "Computer": ("Computer", "asset"),
}

LOGSOURCES: dict[tuple[str, str], Logsource] = {
    # (category, service) of product linux
    ("process_creation", ""): Logsource(_is_process_creation, PROCESS_FIELDS),
    ("file_event", ""): Logsource(_sysmon("11")),
    ("network_connection", ""): Logsource(_sysmon("3")),
    ("", "auditd"): Logsource(_is_auditd),
    ("", "syslog"): Logsource(_has_message),
    ("", ""): Logsource(_has_message),
    ("", "sshd"): Logsource(_syslog_of("sshd")),
    ("", "cron"): Logsource(_syslog_of("cron", "crond", "anacron")),
    ("", "vsftpd"): Logsource(_syslog_of("vsftpd")),
    ("", "clamav"): Logsource(_syslog_of("clamav", "clamd", "freshclam", "clamscan")),
    ("", "guacamole"): Logsource(_syslog_of("guacamole", "guacd")),
}

TIME_FIELDS = ("UtcTime", "timestamp", "time")


def logsource_for(rule: SigmaRule) -> Logsource | None:
    """Our reading of the rule's logsource, or None when it covers nothing we collect."""
    source = rule.logsource
    if (source.product or "linux") != "linux":
        return None
    return LOGSOURCES.get((source.category or "", source.service or ""))


def keyword_text(event: Event) -> str:
    """Where keywords are searched: the message, or else every top-level value."""
    if event.get("message") is not None:
        return text_of(event["message"])
    return " ".join(text_of(value) for value in event.values() if value is not None)


# --- Values ----------------------------------------------------------------------------------


def text_of(value: Any) -> str:
    """An event value as the text Sigma matches against: strings as written, other values
    as compact JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


@cache
def _string_pattern(parts: tuple[Any, ...], cased: bool) -> re.Pattern[str]:
    regex = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            regex.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            regex.append(".")
        elif isinstance(part, Placeholder):
            raise NotEvaluable(f"placeholder %{part.name}% left unexpanded")
        else:
            regex.append(re.escape(part))
    return re.compile("".join(regex), re.DOTALL | (0 if cased else re.IGNORECASE))


def string_pattern(value: SigmaString) -> re.Pattern[str]:
    """The whole-value pattern of a Sigma string (fullmatch it)."""
    return _string_pattern(tuple(value.s), isinstance(value, SigmaCasedString))


_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: re.IGNORECASE,
    SigmaRegularExpressionFlag.MULTILINE: re.MULTILINE,
    SigmaRegularExpressionFlag.DOTALL: re.DOTALL,
}


def regex_pattern(value: SigmaRegularExpression) -> re.Pattern[str]:
    flags = 0
    for flag in value.flags:
        flags |= _REGEX_FLAGS[flag]
    return re.compile(str(value.regexp), flags)


def cidr_matches(value: SigmaCIDRExpression, text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return address.version == value.network.version and address in value.network


def number_of(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def compare_matches(value: SigmaCompareExpression, event_value: Any) -> bool:
    number = number_of(event_value)
    if number is None:
        return False
    bound = float(value.number.number)
    return {
        CompareOperators.LT: number < bound,
        CompareOperators.LTE: number <= bound,
        CompareOperators.GT: number > bound,
        CompareOperators.GTE: number >= bound,
        CompareOperators.NEQ: number != bound,
    }[value.op]


def parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def timestamp_part_matches(value: SigmaTimestampPart, event_value: Any) -> bool:
    moment = parse_time(event_value)
    if moment is None:
        return False
    part = {
        TimestampPart.MINUTE: moment.minute,
        TimestampPart.HOUR: moment.hour,
        TimestampPart.DAY: moment.day,
        TimestampPart.WEEK: moment.isocalendar().week,
        TimestampPart.MONTH: moment.month,
        TimestampPart.YEAR: moment.year,
    }[value.timestamp_part]
    return part == value.number


def field_reference_matches(value: SigmaFieldReference, text: str, other: Any) -> bool:
    if other is None:
        return False
    reference = text_of(other).lower()
    own = text.lower()
    if value.starts_with and value.ends_with:
        return reference in own
    if value.starts_with:
        return own.startswith(reference)
    if value.ends_with:
        return own.endswith(reference)
    return own == reference


# --- Rules -------------------------------------------------------------------------------------

Test = Callable[[Event], bool]


@dataclass
class ReferenceRule:
    """One detection rule as the evaluator sees it: its condition trees turned once into
    Python predicates over an event."""

    rule_id: str
    name: str
    title: str
    sigma: SigmaRule
    logsource: Logsource | None
    placeholders: Mapping[str, Sequence[str]]
    condition_test: Test = field(init=False)  # the detection alone, logsource not checked

    def __post_init__(self) -> None:
        if self.logsource is None:
            self.condition_test = lambda event: False
            return
        builder = PredicateBuilder(self.logsource, self.placeholders)
        # several conditions of one rule are alternatives
        tests = [builder.build(condition.parse()) for condition in self.sigma.detection.parsed_condition]
        self.condition_test = (
            tests[0] if len(tests) == 1 else (lambda event: any(test(event) for test in tests))
        )

    def applies(self, event: Event) -> bool:
        return self.logsource is not None and self.logsource.applies(event)

    def matches(self, event: Event) -> bool:
        return self.applies(event) and self.condition_test(event)


@dataclass
class ReferenceCorrelation:
    """One correlation rule with its base rules resolved to our ids."""

    rule_id: str
    name: str
    title: str
    sigma: SigmaCorrelationRule
    rule_ids: list[str]  # base rules (or correlations) in the order written
    aliases: dict[str, dict[str, str]]  # alias -> base rule id -> event field


@dataclass
class PredicateBuilder:
    """Turns a pySigma condition tree into a predicate over one event."""

    logsource: Logsource
    placeholders: Mapping[str, Sequence[str]]

    def build(self, node: Any) -> Test:
        if isinstance(node, ConditionAND):
            parts = [self.build(argument) for argument in node.args]
            if len(parts) == 2:
                first, second = parts
                return lambda event: first(event) and second(event)
            return lambda event: all(part(event) for part in parts)
        if isinstance(node, ConditionOR):
            parts = self.merged_alternatives(node.args)
            if len(parts) == 1:
                return parts[0]
            if len(parts) == 2:
                first, second = parts
                return lambda event: first(event) or second(event)
            return lambda event: any(part(event) for part in parts)
        if isinstance(node, ConditionNOT):
            inner = self.build(node.args[0])
            return lambda event: not inner(event)
        if isinstance(node, ConditionFieldEqualsValueExpression):
            return self.field_test(node.field, node.value)
        if isinstance(node, ConditionValueExpression):
            return self.keyword_test(node.value)
        raise NotEvaluable(f"condition node {type(node).__name__}")

    def merged_alternatives(self, arguments: Sequence[Any]) -> list[Test]:
        """Alternatives that compare one field with plain strings become one pattern (a speed-up
        only: `a|b|c` matches exactly when one of a, b, c matches)."""
        strings: dict[tuple[str, bool], list[str]] = {}
        tests: list[Test] = []
        for argument in arguments:
            value = getattr(argument, "value", None)
            if (
                isinstance(argument, ConditionFieldEqualsValueExpression)
                and isinstance(value, SigmaString)
                and type(value) in (SigmaString, SigmaCasedString)
                and not value.contains_placeholder()
            ):
                key = (argument.field, isinstance(value, SigmaCasedString))
                strings.setdefault(key, []).append(string_pattern(value).pattern)
            else:
                tests.append(self.build(argument))
        lookup = self.logsource.lookup
        for (name, cased), patterns in strings.items():
            pattern = re.compile(
                "|".join(f"(?:{p})" for p in patterns), re.DOTALL | (0 if cased else re.IGNORECASE)
            )

            def test(event: Event, name: str = name, pattern: re.Pattern[str] = pattern) -> bool:
                event_value = lookup(event, name)
                return event_value is not None and pattern.fullmatch(text_of(event_value)) is not None

            tests.append(test)
        return tests

    def field_test(self, name: str, value: Any) -> Test:
        lookup = self.logsource.lookup
        if isinstance(value, SigmaExpansion):
            parts = [self.field_test(name, item) for item in value.values]
            return lambda event: any(part(event) for part in parts)
        if isinstance(value, SigmaExists):
            present, wanted = self.logsource.present, value.exists
            return lambda event: present(event, name) == wanted
        if isinstance(value, SigmaNull):
            return lambda event: lookup(event, name) is None
        match = self.value_test(value)
        if isinstance(value, SigmaFieldReference):
            other = value.field
            reference = value

            def compare_fields(event: Event) -> bool:
                own = lookup(event, name)
                return own is not None and field_reference_matches(
                    reference, text_of(own), lookup(event, other)
                )

            return compare_fields

        def test(event: Event) -> bool:
            event_value = lookup(event, name)
            return event_value is not None and match(event_value)

        return test

    def value_test(self, value: Any) -> Callable[[Any], bool]:
        """A test of one event value (known to be present) against one rule value."""
        if isinstance(value, SigmaCompareExpression):
            return lambda event_value: compare_matches(value, event_value)
        if isinstance(value, SigmaTimestampPart):
            return lambda event_value: timestamp_part_matches(value, event_value)
        if isinstance(value, SigmaString):
            patterns = [string_pattern(expanded) for expanded in self.expand(value)]
            if len(patterns) == 1:
                pattern = patterns[0]
                return lambda event_value: pattern.fullmatch(text_of(event_value)) is not None
            return lambda event_value: any(p.fullmatch(text_of(event_value)) for p in patterns)
        if isinstance(value, SigmaRegularExpression):
            pattern = regex_pattern(value)
            return lambda event_value: pattern.search(text_of(event_value)) is not None
        if isinstance(value, SigmaCIDRExpression):
            return lambda event_value: cidr_matches(value, text_of(event_value))
        if isinstance(value, SigmaBool):
            wanted = "true" if value.boolean else "false"
            return lambda event_value: text_of(event_value).lower() == wanted
        if isinstance(value, SigmaNumber):
            number = float(value.number)
            return lambda event_value: number_of(event_value) == number
        if isinstance(value, SigmaFieldReference):
            return lambda event_value: True  # compared in field_test, which knows the event
        raise NotEvaluable(f"value type {type(value).__name__}")

    def keyword_test(self, value: Any) -> Test:
        if isinstance(value, SigmaExpansion):
            parts = [self.keyword_test(item) for item in value.values]
            return lambda event: any(part(event) for part in parts)
        if isinstance(value, SigmaString):
            patterns = [string_pattern(surround(expanded)) for expanded in self.expand(value)]
            return lambda event: any(p.fullmatch(keyword_text(event)) for p in patterns)
        if isinstance(value, SigmaRegularExpression):
            pattern = regex_pattern(value)
            return lambda event: pattern.search(keyword_text(event)) is not None
        if isinstance(value, SigmaNumber):
            wanted = str(value.number)
            return lambda event: wanted in keyword_text(event)
        raise NotEvaluable(f"keyword value type {type(value).__name__}")

    def expand(self, value: SigmaString) -> list[SigmaString]:
        if not value.contains_placeholder():
            return [value]

        def replacement(placeholder: Placeholder) -> Iterator[str]:
            try:
                return iter(self.placeholders[placeholder.name])
            except KeyError:
                raise NotEvaluable(f"placeholder %{placeholder.name}% has no value") from None

        return value.replace_placeholders(replacement)


def surround(value: SigmaString) -> SigmaString:
    """Keywords are searched anywhere in the text."""
    if not value.startswith(SpecialChars.WILDCARD_MULTI):
        value = SpecialChars.WILDCARD_MULTI + value
    if not value.endswith(SpecialChars.WILDCARD_MULTI):
        value = value + SpecialChars.WILDCARD_MULTI
    return value


# --- Loading ---------------------------------------------------------------------------------


@dataclass
class ReferenceRuleSet:
    rules: list[ReferenceRule]
    correlations: list[ReferenceCorrelation]

    def by_id(self) -> dict[str, ReferenceRule]:
        return {rule.rule_id: rule for rule in self.rules}


def load_reference_rules(
    sources: Iterable[str | Path], *, placeholders: Mapping[str, Sequence[str]] | None = None
) -> ReferenceRuleSet:
    """Parse rule files, folders or YAML texts (a str holding a newline is a text)."""
    texts: list[str] = []
    for source in sources:
        if isinstance(source, str) and "\n" in source:
            texts.append(source)
            continue
        path = Path(source)
        files = sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]) if path.is_dir() else [path]
        texts.extend(file.read_text(encoding="utf-8") for file in files)
    collection = SigmaCollection.merge([SigmaCollection.from_yaml(text) for text in texts])
    collection.resolve_rule_references()
    return build_rule_set(collection, placeholders or {})


def build_rule_set(
    collection: SigmaCollection, placeholders: Mapping[str, Sequence[str]]
) -> ReferenceRuleSet:
    rules: list[ReferenceRule] = []
    correlations: list[ReferenceCorrelation] = []
    identity: dict[int, str] = {}
    named: dict[str, str] = {}  # name or id as a correlation writes it -> our id
    for item in collection.rules:
        rule_id = str(item.id) if item.id else (item.name or item.title)
        identity[id(item)] = rule_id
        named[rule_id] = rule_id
        if item.name:
            named[item.name] = rule_id
        if isinstance(item, SigmaRule):
            rules.append(
                ReferenceRule(rule_id, item.name or "", item.title, item, logsource_for(item), placeholders)
            )
    for item in collection.rules:
        if isinstance(item, SigmaCorrelationRule):
            base_ids = [identity[id(reference.rule)] for reference in item.rules or []]
            aliases = {
                alias.alias: {named[reference.reference]: name for reference, name in alias.mapping.items()}
                for alias in item.aliases
            }
            correlations.append(
                ReferenceCorrelation(identity[id(item)], item.name or "", item.title, item, base_ids, aliases)
            )
    return ReferenceRuleSet(rules, correlations)


def evaluate(rules: Iterable[ReferenceRule], events: Iterable[tuple[int, Event]]) -> set[tuple[str, int]]:
    """Every (rule id, line) pair where the rule matches the event on that line."""
    groups: dict[int, tuple[Logsource, list[tuple[str, Test]]]] = {}
    for rule in rules:
        if rule.logsource is not None:
            group = groups.setdefault(id(rule.logsource), (rule.logsource, []))
            group[1].append((rule.rule_id, rule.condition_test))
    matched: set[tuple[str, int]] = set()
    for line, event in events:
        for logsource, members in groups.values():
            if logsource.applies(event):
                matched.update((rule_id, line) for rule_id, test in members if test(event))
    return matched
