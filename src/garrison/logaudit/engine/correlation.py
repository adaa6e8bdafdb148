"""Sigma correlation rules compiled to DuckDB SQL over the matches of the rules they name.

While scanning, every match of a base rule adds a row to the table `corr_events` (which
correlation, which base rule, the event's time in seconds, where it came from, its group key
and, for value counts, the value). Each correlation is then one query over its rows.

Semantics (written down so an independent evaluation can reproduce them):
- Events are grouped by the `group-by` fields (aliases name a different field per rule; a
  Sigma field is read through the base rule's log source mapping; a missing field is null and
  nulls group together). Events without a readable time are left out (and counted).
- The window of an event is the events of its group whose time lies in [t - timespan, t].
- event_count: the number of distinct events in the window (an event matched by two base rules
  counts once); value_count: distinct non-null values of the condition's field; value_sum and
  value_avg: sum and average of its numeric values; temporal: the number of distinct base rules
  matched in the window (without an explicit condition: all of them).
- temporal_ordered: an event of the last rule completes the sequence when, choosing each time
  the latest earlier-or-equal event of the rule before, the first rule's event is within the
  timespan.
- A match is reported at the event where the condition starts to hold: it holds for this
  event's window and did not hold for the group's previous event (ties ordered by file and
  line). A match carries the group values, the count and the window.
"""

# This module's job is writing SQL: every value in it goes through backend.sql_string.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from garrison.logaudit.engine.backend import sql_string
from garrison.logaudit.engine.pipelines import MAPPINGS_BY_KEY
from garrison.logaudit.engine.rules import LoadedRule, RuleProblem

if TYPE_CHECKING:
    from garrison.logaudit.engine.compiler import CompiledRule

EVENTS_TABLE = "corr_events"
CREATE_EVENTS_TABLE = (
    f"CREATE TABLE {EVENTS_TABLE} (c INTEGER, rule VARCHAR, ts DOUBLE, label VARCHAR, line BIGINT, "
    "grp VARCHAR, val VARCHAR, host VARCHAR, usr VARCHAR)"
)
_OPERATORS = {
    SigmaCorrelationConditionOperator.LT: "<",
    SigmaCorrelationConditionOperator.LTE: "<=",
    SigmaCorrelationConditionOperator.GT: ">",
    SigmaCorrelationConditionOperator.GTE: ">=",
    SigmaCorrelationConditionOperator.EQ: "=",
    SigmaCorrelationConditionOperator.NEQ: "<>",
}
_AGGREGATES = {
    SigmaCorrelationType.EVENT_COUNT: "count(*)",
    SigmaCorrelationType.VALUE_COUNT: "count(DISTINCT val)",
    SigmaCorrelationType.VALUE_SUM: "sum(try_cast(val AS DOUBLE))",
    SigmaCorrelationType.VALUE_AVG: "avg(try_cast(val AS DOUBLE))",
    SigmaCorrelationType.TEMPORAL: "count(DISTINCT rule)",
}


@dataclass
class CompiledCorrelation:
    """A correlation rule ready to run over its base rules' matches."""

    rule: LoadedRule
    kind: str  # event_count, value_count, value_sum, value_avg, temporal, temporal_ordered
    base_ids: list[str]
    group_by: list[str]
    timespan_seconds: int
    sql: str  # over corr_events, the correlation's number as parameter $1
    generate: bool
    group_fields: dict[str, list[tuple[str, ...]]] = field(
        default_factory=dict
    )  # base id -> candidates per group field
    value_fields: dict[str, tuple[str, ...]] = field(
        default_factory=dict
    )  # base id -> candidates of the value

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id

    def group_key(self, base_id: str, event: Mapping[str, Any]) -> str:
        values = [_read(event, candidates) for candidates in self.group_fields.get(base_id, [])]
        return orjson.dumps(values).decode()

    def value(self, base_id: str, event: Mapping[str, Any]) -> str | None:
        candidates = self.value_fields.get(base_id)
        return _read(event, candidates) if candidates else None

    def match_event(self, row: Sequence[Any]) -> dict[str, Any]:
        group, start, end, count = row[0], row[1], row[2], row[3]
        values = orjson.loads(group) if group else []
        return {
            "correlation": self.kind,
            "group": dict(zip(self.group_by, values, strict=False)),
            "count": int(count) if float(count).is_integer() else float(count),
            "window_start": iso_time(start),
            "window_end": iso_time(end),
            "rules": list(self.base_ids),
        }


def compile_correlation(
    loaded: LoadedRule,
    parsed: SigmaCorrelationRule,
    everything: Sequence[LoadedRule],
    detections: Mapping[str, CompiledRule],
) -> CompiledCorrelation | RuleProblem:
    def problem(reason: str) -> RuleProblem:
        return RuleProblem(loaded.path, loaded.title, reason)

    kind = parsed.type
    if kind not in _AGGREGATES and kind is not SigmaCorrelationType.TEMPORAL_ORDERED:
        return problem(f"correlation type {kind.name.lower()} is not supported")
    if not parsed.rules:
        return problem("extended correlation conditions are not supported")
    names: dict[str, LoadedRule] = {}
    for rule in everything:
        names.setdefault(rule.rule_id, rule)
        if rule.name:
            names.setdefault(rule.name, rule)
    base_ids: list[str] = []
    for reference in parsed.rules:
        target = names.get(reference.reference)
        if target is None:
            return problem(f"refers to rule {reference.reference}, which is not loaded")
        if target.is_correlation:
            return problem(
                f"refers to correlation {reference.reference}; correlations of correlations are not supported"
            )
        if target.rule_id not in detections:
            return problem(f"refers to rule {reference.reference}, which cannot run")
        base_ids.append(target.rule_id)
    aliases: dict[str, dict[str, str]] = {}
    for alias in parsed.aliases:
        aliases[alias.alias] = {}
        for reference, field_name in alias.mapping.items():
            target = names.get(reference.reference)
            if target is not None:
                aliases[alias.alias][target.rule_id] = field_name
    group_by = list(parsed.group_by or [])
    condition = parsed.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        return problem("extended correlation conditions are not supported")
    value_field = condition.fieldref if isinstance(condition.fieldref, str) else None
    valued = (
        SigmaCorrelationType.VALUE_COUNT,
        SigmaCorrelationType.VALUE_SUM,
        SigmaCorrelationType.VALUE_AVG,
    )
    if kind in valued and not value_field:
        return problem(f"a {kind.name.lower()} correlation needs the condition's field")
    group_fields: dict[str, list[tuple[str, ...]]] = {}
    value_fields: dict[str, tuple[str, ...]] = {}
    for base in base_ids:
        mapping = MAPPINGS_BY_KEY[detections[base].logsource]
        group_fields[base] = [mapping.candidates(aliases.get(name, {}).get(base, name)) for name in group_by]
        if value_field:
            value_fields[base] = mapping.candidates(aliases.get(value_field, {}).get(base, value_field))
    span = int(parsed.timespan.seconds)
    if kind is SigmaCorrelationType.TEMPORAL_ORDERED:
        sql = _ordered_sql(base_ids, span)
    else:
        operator, count = _OPERATORS[condition.op], float(condition.count)
        correlation_section = loaded.document.get("correlation", {}) if loaded.document else {}
        if kind is SigmaCorrelationType.TEMPORAL and "condition" not in correlation_section:
            operator, count = ">=", float(len(set(base_ids)))
        sql = _window_sql(
            _AGGREGATES[kind],
            operator,
            count,
            span,
            distinct_events=kind is not SigmaCorrelationType.TEMPORAL,
        )
    return CompiledCorrelation(
        rule=loaded,
        kind=kind.name.lower(),
        base_ids=base_ids,
        group_by=group_by,
        timespan_seconds=span,
        sql=sql,
        generate=bool(parsed.generate),
        group_fields=group_fields,
        value_fields=value_fields,
    )


def _window_sql(aggregate: str, operator: str, count: float, span: int, *, distinct_events: bool) -> str:
    rows = f"SELECT * FROM {EVENTS_TABLE} WHERE c = $1"
    if distinct_events:
        rows = f"SELECT DISTINCT ON (label, line) * FROM ({rows}) ORDER BY label, line, rule"
    return f"""
WITH ev AS ({rows}),
w AS (
    SELECT *, {aggregate} OVER win AS n, min(ts) OVER win AS start FROM ev
    WINDOW win AS (PARTITION BY grp ORDER BY ts RANGE BETWEEN {span} PRECEDING AND CURRENT ROW)
),
e AS (SELECT *, coalesce(n {operator} {count!r}, false) AS ok FROM w),
x AS (SELECT *, lag(ok, 1, false) OVER (PARTITION BY grp ORDER BY ts, label, line) AS was FROM e)
SELECT grp, start, ts, n, label, line, host, usr FROM x WHERE ok AND NOT was ORDER BY ts, label, line
"""


def _ordered_sql(base_ids: Sequence[str], span: int) -> str:
    steps = [
        f"s{index} AS (SELECT * FROM {EVENTS_TABLE} WHERE c = $1 AND rule = {sql_string(base)})"
        for index, base in enumerate(base_ids)
    ]
    last = len(base_ids) - 1
    joins = "".join(
        f"\n    ASOF LEFT JOIN s{index} AS a{index} "
        f"ON a{index + 1}.grp = a{index}.grp AND a{index + 1}.ts >= a{index}.ts"
        for index in range(last - 1, -1, -1)
    )
    return f"""
WITH {", ".join(steps)},
chain AS (
    SELECT a{last}.*, a0.ts AS start,
           coalesce(a0.ts >= a{last}.ts - {span}, false) AS ok
    FROM s{last} AS a{last}{joins}
),
x AS (SELECT *, lag(ok, 1, false) OVER (PARTITION BY grp ORDER BY ts, label, line) AS was FROM chain)
SELECT grp, start, ts, {len(base_ids)} AS n, label, line, host, usr
FROM x WHERE ok AND NOT was ORDER BY ts, label, line
"""


def event_seconds(time: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (naive times are UTC), or None."""
    if not time:
        return None
    text = time.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso_time(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(float(seconds), UTC).isoformat().replace("+00:00", "Z")


def _read(event: Mapping[str, Any], candidates: Sequence[str]) -> str | None:
    for name in candidates:
        value = event.get(name)
        if value is not None:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, str):
                return value
            return orjson.dumps(value).decode()
    return None
