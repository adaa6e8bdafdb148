"""Correlation rules evaluated in plain Python over the reference evaluator's matches of their
base rules, following the semantics the engine documents (engine/correlation.py docstring):
events grouped by the group-by fields (aliases name a field per base rule, read through the
base rule's log source; missing values group together), events without a time left out, the
window of an event being its group's events in [t - timespan, t], and a hit reported at the
event where the condition starts to hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC

from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationType,
)

from tests.logaudit.engine.reference_evaluator import (
    TIME_FIELDS,
    Event,
    NotEvaluable,
    ReferenceCorrelation,
    ReferenceRule,
    ReferenceRuleSet,
    parse_time,
    text_of,
)


def event_seconds(event: Event) -> float | None:
    """The event's time (its first non-empty time field; a time without zone is UTC), in
    seconds since the epoch."""
    for name in TIME_FIELDS:
        value = event.get(name)
        if value is None or value == "":
            continue
        moment = parse_time(text_of(value))
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


@dataclass(frozen=True)
class CorrelationHit:
    """Where a correlation starts to hold: the event (line) completing it, its group values,
    the count and the window."""

    rule_id: str
    line: int
    group: tuple[str | None, ...]
    count: float
    window_start: float
    window_end: float


@dataclass(frozen=True)
class _Row:
    seconds: float
    line: int
    rule_id: str
    group: tuple[str | None, ...]
    value: str | None


_CONDITION = {
    SigmaCorrelationConditionOperator.LT: lambda n, c: n < c,
    SigmaCorrelationConditionOperator.LTE: lambda n, c: n <= c,
    SigmaCorrelationConditionOperator.GT: lambda n, c: n > c,
    SigmaCorrelationConditionOperator.GTE: lambda n, c: n >= c,
    SigmaCorrelationConditionOperator.EQ: lambda n, c: n == c,
    SigmaCorrelationConditionOperator.NEQ: lambda n, c: n != c,
}


def simple_condition(correlation: ReferenceCorrelation) -> SigmaCorrelationCondition:
    condition = correlation.sigma.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise NotEvaluable("extended correlation conditions")
    return condition


def _read(rule: ReferenceRule, event: Event, name: str) -> str | None:
    assert rule.logsource is not None
    value = rule.logsource.lookup(event, name)
    return None if value is None else text_of(value)


def correlation_rows(
    correlation: ReferenceCorrelation, rules: Mapping[str, ReferenceRule], events: Sequence[tuple[int, Event]]
) -> list[_Row]:
    sigma = correlation.sigma
    group_by = list(sigma.group_by or [])
    fieldref = simple_condition(correlation).fieldref
    value_field = fieldref if isinstance(fieldref, str) else None
    rows: list[_Row] = []
    for line, event in events:
        seconds = event_seconds(event)
        if seconds is None:
            continue
        for base_id in dict.fromkeys(correlation.rule_ids):
            rule = rules[base_id]
            if not rule.matches(event):
                continue

            def field_of(name: str, base_id: str = base_id) -> str:
                return correlation.aliases.get(name, {}).get(base_id, name)

            group = tuple(_read(rule, event, field_of(name)) for name in group_by)
            value = _read(rule, event, field_of(value_field)) if value_field else None
            rows.append(_Row(seconds, line, base_id, group, value))
    return rows


def evaluate_correlation(
    correlation: ReferenceCorrelation, rules: Mapping[str, ReferenceRule], events: Sequence[tuple[int, Event]]
) -> list[CorrelationHit]:
    """The correlation's hits over one file's events, as the engine documents them: windows
    [t - timespan, t] ending at each event of a group, a hit where the condition starts to hold."""
    sigma = correlation.sigma
    span = float(sigma.timespan.seconds)
    rows = correlation_rows(correlation, rules, events)
    kind = sigma.type
    if kind is SigmaCorrelationType.TEMPORAL_ORDERED:
        return _ordered_hits(correlation, rows, span)
    if kind in (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT):
        first: dict[int, _Row] = {}
        for row in sorted(rows, key=lambda row: (row.line, row.rule_id)):
            first.setdefault(row.line, row)  # an event matched by two base rules counts once
        rows = list(first.values())
    condition = simple_condition(correlation)
    holds = _CONDITION[condition.op]
    hits: list[CorrelationHit] = []
    for group, members in _groups(rows).items():
        previous_ok = False
        for row in members:
            window = [other for other in members if row.seconds - span <= other.seconds <= row.seconds]
            if kind is SigmaCorrelationType.EVENT_COUNT:
                count = float(len(window))
            elif kind is SigmaCorrelationType.VALUE_COUNT:
                count = float(len({other.value for other in window if other.value is not None}))
            elif kind is SigmaCorrelationType.TEMPORAL:
                count = float(len({other.rule_id for other in window}))
            else:
                raise NotEvaluable(f"correlation type {kind.name.lower()}")
            ok = holds(count, condition.count)
            if ok and not previous_ok:
                start = min(other.seconds for other in window)
                hits.append(CorrelationHit(correlation.rule_id, row.line, group, count, start, row.seconds))
            previous_ok = ok
    return hits


def _groups(rows: Iterable[_Row]) -> dict[tuple[str | None, ...], list[_Row]]:
    groups: dict[tuple[str | None, ...], list[_Row]] = {}
    for row in sorted(rows, key=lambda row: (row.seconds, row.line)):
        groups.setdefault(row.group, []).append(row)
    return groups


def _ordered_hits(correlation: ReferenceCorrelation, rows: list[_Row], span: float) -> list[CorrelationHit]:
    order = list(correlation.rule_ids)
    hits: list[CorrelationHit] = []
    for group, members in _groups(rows).items():
        previous_ok = False
        for row in members:
            if row.rule_id != order[-1]:
                continue
            # walk back: each time the latest earlier-or-equal event of the rule before
            moment: float | None = row.seconds
            for rule_id in reversed(order[:-1]):
                moment = _latest(members, rule_id, moment) if moment is not None else None
            ok = moment is not None and moment >= row.seconds - span
            if ok and not previous_ok:
                assert moment is not None
                hits.append(
                    CorrelationHit(
                        correlation.rule_id, row.line, group, float(len(order)), moment, row.seconds
                    )
                )
            previous_ok = ok
    return hits


def _latest(members: Sequence[_Row], rule_id: str, bound: float) -> float | None:
    earlier = [other.seconds for other in members if other.rule_id == rule_id and other.seconds <= bound]
    return max(earlier) if earlier else None


def generated_rule_ids(rule_set: ReferenceRuleSet) -> set[str]:
    """Detection rules whose own matches are reported: all but those only feeding correlations
    that do not `generate` them."""
    consumed: set[str] = set()
    generated: set[str] = set()
    for correlation in rule_set.correlations:
        (generated if correlation.sigma.generate else consumed).update(correlation.rule_ids)
    return {
        rule.rule_id for rule in rule_set.rules if rule.rule_id not in consumed or rule.rule_id in generated
    }
