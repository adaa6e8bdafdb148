"""A pySigma backend that turns a Sigma detection into a DuckDB boolean SQL expression.

The expression reads columns the runner provides for every event (see `Columns`): the value
of each slot the rules read (`s<n>`, VARCHAR: JSON strings as written, other values as JSON
text), the event's JSON text (`raw`) and its keyword text (`kwr`, lower case `kw`). Every leaf
is wrapped so a missing field is
false rather than NULL, which keeps `not` two-valued as Sigma means it.

Matching follows the Sigma specification: a string matches the whole value, case-insensitively
unless `cased`; `*` and `?` are wildcards; regular expressions are searched (not anchored),
case-sensitive unless the `i` flag is set (RE2 syntax: a pattern RE2 cannot run is reported
when the rules are compiled); numbers compare numerically.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import Backend
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError, SigmaValueError
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaFieldReference,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
    TimestampPart,
)

from garrison.logaudit.engine.pipelines import KEYWORD_FIELDS, MAPPINGS_BY_KEY, STATE_KEY, LogSourceMapping

_COMPARE = {
    CompareOperators.LT: "<",
    CompareOperators.LTE: "<=",
    CompareOperators.GT: ">",
    CompareOperators.GTE: ">=",
    CompareOperators.NEQ: "<>",
}
_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}
_TIMESTAMP_PARTS = {
    TimestampPart.MINUTE: "minute",
    TimestampPart.HOUR: "hour",
    TimestampPart.DAY: "day",
    TimestampPart.WEEK: "week",
    TimestampPart.MONTH: "month",
    TimestampPart.YEAR: "year",
}


# The runner provides the event's keyword text as a column (as written, and lower case) on the
# rows of log sources whose rules search it.
KEYWORD_TEXT = "kwr"
KEYWORD_TEXT_LOWER = "kw"


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_path(name: str) -> str:
    return "$." + '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Expr:
    """A converted condition: its SQL and the event slots it reads (`slots`; None when it reads
    the whole event: keywords, `exists`). A condition reading one slot is a function of that
    slot's value alone, so the runner evaluates it once per distinct value instead of once per
    event; `op` and `children` keep the tree so conditions over several slots can be split."""

    sql: str
    slots: frozenset[int] | None = frozenset()
    op: str = "leaf"  # leaf, and, or, not
    children: tuple[Expr, ...] = ()


def _slots_of(children: Sequence[Expr]) -> frozenset[int] | None:
    slots: set[int] = set()
    for child in children:
        if child.slots is None:
            return None
        slots |= child.slots
    return frozenset(slots)


@dataclass
class Columns:
    """The event slots the compiled rules read, shared by all rules of one compilation. A slot
    is an event field, or the first present of several (a log source's field mapping)."""

    slots: dict[tuple[str, ...], int] = field(default_factory=dict)  # candidate event fields -> slot number

    def slot(self, candidates: Sequence[str]) -> int:
        key = tuple(candidates)
        if key not in self.slots:
            self.slots[key] = len(self.slots)
        return self.slots[key]

    @property
    def fields(self) -> list[str]:
        """Every event field some slot reads, in first-use order."""
        return list(dict.fromkeys(name for candidates in self.slots for name in candidates))

    def value(self, name: str) -> str:
        return f"s{self.slot((name,))}"

    def lower(self, name: str) -> str:
        return f"lower(s{self.slot((name,))})"


def any_sql(parts: Sequence[str]) -> str:
    """OR of non-null booleans as a CASE, which DuckDB evaluates lazily: each test runs only on
    the rows the earlier ones left undecided."""
    if not parts:
        return "false"
    if len(parts) == 1:
        return parts[0]
    return "CASE " + " ".join(f"WHEN {part} THEN true" for part in parts[:-1]) + f" ELSE {parts[-1]} END"


def all_sql(parts: Sequence[str]) -> str:
    """AND of non-null booleans as nested CASEs (evaluated lazily, like any_sql)."""
    if not parts:
        return "true"
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = f"CASE WHEN {part} THEN {result} ELSE false END"
    return result


def _false_when_null(expression: str) -> str:
    return f"coalesce({expression}, false)"


def string_match(column: str, value: SigmaString, *, lower: bool, surround: bool = False) -> str:
    """SQL for a Sigma string (with wildcards) against a column holding the (lowered) text."""
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            raise SigmaValueError(f"placeholder %{part.name}% has no value")
        if isinstance(part, str):
            part = part.lower() if lower else part
            if parts and isinstance(parts[-1], str):
                parts[-1] += part
                continue
        parts.append(part)
    if surround:
        if not parts or parts[0] is not SpecialChars.WILDCARD_MULTI:
            parts.insert(0, SpecialChars.WILDCARD_MULTI)
        if parts[-1] is not SpecialChars.WILDCARD_MULTI:
            parts.append(SpecialChars.WILDCARD_MULTI)
    texts = [part for part in parts if isinstance(part, str)]
    wildcards = [part for part in parts if not isinstance(part, str)]
    if not wildcards:
        return f"{column} = {sql_string(''.join(texts))}"
    if all(part is SpecialChars.WILDCARD_MULTI for part in parts):
        return f"{column} IS NOT NULL"
    if all(wildcard is SpecialChars.WILDCARD_MULTI for wildcard in wildcards) and len(texts) == 1:
        text = sql_string(texts[0])
        starts, ends = parts[0] is SpecialChars.WILDCARD_MULTI, parts[-1] is SpecialChars.WILDCARD_MULTI
        if starts and ends and len(parts) == 3:
            return f"contains({column}, {text})"
        if ends and len(parts) == 2:
            return f"starts_with({column}, {text})"
        if starts and len(parts) == 2:
            return f"ends_with({column}, {text})"
    pattern = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            pattern.append("%")
        elif part is SpecialChars.WILDCARD_SINGLE:
            pattern.append("_")
        else:
            assert isinstance(part, str)
            pattern.append(part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    return f"{column} LIKE {sql_string(''.join(pattern))} ESCAPE '\\'"


def regex_text(value: SigmaRegularExpression) -> str:
    flags = "".join(sorted(_REGEX_FLAGS[flag] for flag in value.flags))
    pattern = str(value.regexp)
    return f"(?{flags}){pattern}" if flags else pattern


def cidr_match(column: str, value: SigmaCIDRExpression) -> str:
    network = value.network
    if isinstance(network, ipaddress.IPv4Network):
        low, high = int(network.network_address), int(network.broadcast_address)
        number = " + ".join(
            f"try_cast(split_part(trim({column}), '.', {index + 1}) AS UTINYINT)::BIGINT"
            f" * {256 ** (3 - index)}"
            for index in range(4)
        )
        octet = "(0|[1-9][0-9]{0,2})"
        valid = f"regexp_full_match(trim({column}), '{octet}(\\.{octet}){{3}}')"
        return f"(CASE WHEN {valid} THEN coalesce(({number}) BETWEEN {low} AND {high}, false) ELSE false END)"
    return _ipv6_match(column, network)


def _ipv6_match(column: str, network: ipaddress.IPv6Network) -> str:
    """IPv6 addresses have several spellings (`::` for zero groups, leading zeros): the text is
    expanded to its eight groups and each group compared under the network's mask. Addresses
    with an embedded IPv4 part are not recognised."""
    text = f"lower(trim({column}))"
    left = (
        f"CASE WHEN split_part({text}, '::', 1) = '' THEN []::VARCHAR[] "
        f"ELSE string_split(split_part({text}, '::', 1), ':') END"
    )
    right = (
        f"CASE WHEN split_part({text}, '::', 2) = '' THEN []::VARCHAR[] "
        f"ELSE string_split(split_part({text}, '::', 2), ':') END"
    )
    zeros = f"list_resize([]::VARCHAR[], greatest(8 - len({left}) - len({right}), 0), '0')"
    filled = f"list_concat(list_concat({left}, {zeros}), {right})"
    groups = f"CASE WHEN contains({text}, '::') THEN {filled} ELSE string_split({text}, ':') END"
    valid = (
        f"regexp_full_match({text}, '[0-9a-f:]+') AND len(string_split({text}, '::')) <= 2 "
        f"AND len({groups}) = 8 "
        f"AND len(list_filter({groups}, lambda g: regexp_full_match(g, '[0-9a-f]{{1,4}}'))) = 8 "
        f"AND (NOT contains({text}, '::') OR len({left}) + len({right}) <= 7)"
    )
    address = int(network.network_address)
    prefix = network.prefixlen
    tests = []
    for index in range(8):
        bits = max(0, min(16, prefix - 16 * index))
        if bits == 0:
            break
        mask = ((1 << bits) - 1) << (16 - bits)
        expected = (address >> (16 * (7 - index))) & mask
        tests.append(f"((('0x' || ({groups})[{index + 1}])::INTEGER & {mask}) = {expected})")
    comparison = " AND ".join(tests) or "true"
    return f"(CASE WHEN {valid} THEN ({comparison}) ELSE false END)"


class DuckDBBackend(Backend):
    """Sigma detections → DuckDB SQL boolean expressions (`Expr`) over the runner's event columns."""

    name: ClassVar[str] = "Garrison DuckDB"
    formats: ClassVar[dict[str, str]] = {"default": "DuckDB SQL boolean expression"}
    requires_pipeline: ClassVar[bool] = True

    def __init__(self, processing_pipeline: Any, columns: Columns, **options: Any) -> None:
        super().__init__(processing_pipeline, collect_errors=False, **options)
        self.columns = columns
        self.patterns: list[str] = []  # regular expressions of the rule being converted, as SQL literals
        self.event_text = False  # whether the rule being converted searches the event's keyword text

    def pattern(self, value: SigmaRegularExpression) -> str:
        literal = sql_string(regex_text(value))
        self.patterns.append(literal)
        return literal

    # --- where fields are -----------------------------------------------------------------
    def mapping(self, state: ConversionState) -> LogSourceMapping:
        key = state.processing_state.get(STATE_KEY)
        if not isinstance(key, str) or key not in MAPPINGS_BY_KEY:
            raise SigmaFeatureNotSupportedByBackendError("no pipeline covers the rule's log source")
        return MAPPINGS_BY_KEY[key]

    def slot(self, name: str, state: ConversionState) -> int:
        return self.columns.slot(self.mapping(state).candidates(name))

    def raw_column(self, name: str, state: ConversionState) -> str:
        return f"s{self.slot(name, state)}"

    def lower_column(self, name: str, state: ConversionState) -> str:
        return f"lower(s{self.slot(name, state)})"

    def leaf(self, sql: str, *names: str, state: ConversionState) -> Expr:
        return Expr(sql, frozenset(self.slot(name, state) for name in names))

    def string_expr(self, name: str, value: SigmaString, state: ConversionState, *, cased: bool) -> Expr:
        column = self.raw_column(name, state) if cased else self.lower_column(name, state)
        return self.leaf(_false_when_null(string_match(column, value, lower=not cased)), name, state=state)

    # --- boolean structure ----------------------------------------------------------------
    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> Any:
        # pySigma asks for this only when a backend opts into "field IN (…)" lists, which this
        # one does not; an IN list is the OR (or AND) of its equalities all the same.
        if isinstance(cond, ConditionOR):
            return self.convert_condition_or(cond, state)
        return self.convert_condition_and(cond, state)

    def _children(
        self, cond: ConditionOR | ConditionAND | ConditionNOT, state: ConversionState
    ) -> list[Expr]:
        return [self.convert_condition(argument, state) for argument in cond.args]

    def convert_condition_or(self, cond: ConditionOR, state: ConversionState) -> Expr:
        children = tuple(self._children(cond, state))
        return Expr(any_sql([child.sql for child in children]), _slots_of(children), "or", children)

    def convert_condition_and(self, cond: ConditionAND, state: ConversionState) -> Expr:
        children = tuple(self._children(cond, state))
        return Expr(all_sql([child.sql for child in children]), _slots_of(children), "and", children)

    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Expr:
        child = self._children(cond, state)[0]
        return Expr(f"(NOT {child.sql})", child.slots, "not", (child,))

    # --- field = value --------------------------------------------------------------------
    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaString)
        return self.string_expr(cond.field, cond.value, state, cased=False)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaCasedString)
        return self.string_expr(cond.field, cond.value, state, cased=True)

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaNumber)
        column = self.raw_column(cond.field, state)
        sql = _false_when_null(f"try_cast({column} AS DOUBLE) = {float(cond.value.number)!r}")
        return self.leaf(sql, cond.field, state=state)

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaBool)
        text = "true" if cond.value.boolean else "false"
        return self.leaf(
            _false_when_null(f"{self.lower_column(cond.field, state)} = '{text}'"), cond.field, state=state
        )

    def convert_condition_field_eq_val_timestamp_part(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaTimestampPart)
        part = _TIMESTAMP_PARTS[cond.value.timestamp_part]
        moment = f"try_cast({self.raw_column(cond.field, state)} AS TIMESTAMPTZ)"
        sql = _false_when_null(f"date_part('{part}', {moment}) = {int(cond.value.number)}")
        return self.leaf(sql, cond.field, state=state)

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaRegularExpression)
        pattern = self.pattern(cond.value)
        sql = _false_when_null(f"regexp_matches({self.raw_column(cond.field, state)}, {pattern})")
        return self.leaf(sql, cond.field, state=state)

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaCIDRExpression)
        sql = _false_when_null(cidr_match(self.raw_column(cond.field, state), cond.value))
        return self.leaf(sql, cond.field, state=state)

    def convert_condition_field_compare_op_val(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaCompareExpression)
        number = float(cond.value.number.number)
        column = self.raw_column(cond.field, state)
        sql = _false_when_null(f"try_cast({column} AS DOUBLE) {_COMPARE[cond.value.op]} {number!r}")
        return self.leaf(sql, cond.field, state=state)

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        assert isinstance(cond.value, SigmaFieldReference)
        own = self.lower_column(cond.field, state)
        other = self.lower_column(cond.value.field, state)
        if cond.value.starts_with and cond.value.ends_with:
            expression = f"contains({own}, {other})"
        elif cond.value.starts_with:
            expression = f"starts_with({own}, {other})"
        elif cond.value.ends_with:
            expression = f"ends_with({own}, {other})"
        else:
            expression = f"{own} = {other}"
        return self.leaf(_false_when_null(expression), cond.field, cond.value.field, state=state)

    def convert_condition_field_eq_val_null(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        return self.leaf(f"({self.raw_column(cond.field, state)} IS NULL)", cond.field, state=state)

    def convert_condition_field_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        paths = [
            f"json_exists(raw, {sql_string(json_path(name))})"
            for name in self.mapping(state).candidates(cond.field)
        ]
        return Expr(_false_when_null("(" + " OR ".join(paths) + ")"), None)

    def convert_condition_field_not_exists(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        exists = ConditionFieldEqualsValueExpression(cond.field, SigmaExists(True))
        return Expr(f"(NOT {self.convert_condition_field_exists(exists, state).sql})", None)

    def convert_condition_field_eq_query_expr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Expr:
        raise SigmaFeatureNotSupportedByBackendError("query expressions are not supported")

    # --- keywords (values without a field) ------------------------------------------------
    def keyword_text(
        self, state: ConversionState, *, lower: bool = False
    ) -> tuple[str, frozenset[int] | None]:
        """Where keywords are searched. When the log source's gate requires a message, the
        text is the message: a slot like any field."""
        mapping = self.mapping(state)
        if KEYWORD_FIELDS[0] in mapping.gate.present:
            column = self.columns.lower(KEYWORD_FIELDS[0]) if lower else self.columns.value(KEYWORD_FIELDS[0])
            return column, frozenset({self.columns.slot(KEYWORD_FIELDS[:1])})
        self.event_text = True
        return (KEYWORD_TEXT_LOWER if lower else KEYWORD_TEXT), None

    def convert_condition_val_str(self, cond: ConditionValueExpression, state: ConversionState) -> Expr:
        assert isinstance(cond.value, SigmaString)
        cased = isinstance(cond.value, SigmaCasedString)
        text, slots = self.keyword_text(state, lower=not cased)
        sql = string_match(text, cond.value, lower=not cased, surround=True)
        return Expr(_false_when_null(sql), slots)

    def convert_condition_val_num(self, cond: ConditionValueExpression, state: ConversionState) -> Expr:
        assert isinstance(cond.value, SigmaNumber)
        text, slots = self.keyword_text(state)
        return Expr(_false_when_null(f"contains({text}, {sql_string(str(cond.value.number))})"), slots)

    def convert_condition_val_re(self, cond: ConditionValueExpression, state: ConversionState) -> Expr:
        assert isinstance(cond.value, SigmaRegularExpression)
        text, slots = self.keyword_text(state)
        return Expr(_false_when_null(f"regexp_matches({text}, {self.pattern(cond.value)})"), slots)

    def convert_condition_query_expr(self, cond: ConditionValueExpression, state: ConversionState) -> Expr:
        raise SigmaFeatureNotSupportedByBackendError("query expressions are not supported")

    # --- correlations are compiled by engine.correlation, over the base rules' matches -----
    def convert_correlation_event_count_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_value_count_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_temporal_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_temporal_ordered_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_extended_temporal_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_extended_temporal_ordered_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_value_sum_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_value_avg_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_value_percentile_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def convert_correlation_value_median_rule(
        self, rule: Any, output_format: str | None = None, method: str = "default", callback: Any = None
    ) -> Any:
        raise SigmaFeatureNotSupportedByBackendError("correlations are compiled by engine.correlation")

    def finalize_query_default(self, rule: Any, query: Any, index: int, state: ConversionState) -> Any:
        return query

    def finalize_output_default(self, queries: list[Any]) -> Any:
        return queries
