"""The SQL of one file's scan (see runner.py): a first pass collecting the distinct values of
every slot the rules read, a dictionary per slot holding each single-slot condition's truth
for each value, and the final query joining the events with the dictionaries and keeping the
rows that are malformed or matched by some rule."""

# This module's job is writing SQL: every value in it goes through backend.sql_string.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from garrison.logaudit.engine.backend import Expr, all_sql, any_sql, json_path, sql_string
from garrison.logaudit.engine.compiler import CompiledRuleSet
from garrison.logaudit.engine.pipelines import KEYWORD_FIELDS

WORD_BITS = 62  # rules per BIGINT of the final query's match words


FILE_COLUMN = "__garrison_file"  # with several files: the path of each row, as given


def _paths_sql(paths: Sequence[str]) -> str:
    if len(paths) == 1:
        return sql_string(paths[0])
    return "[" + ", ".join(sql_string(path) for path in paths) + "]"


def _file_option(paths: Sequence[str]) -> tuple[str, str]:
    """(the reader option adding the file column, the select-list item naming it) with several
    files; nothing with one."""
    if len(paths) == 1:
        return "", ""
    return f", filename = {sql_string(FILE_COLUMN)}", f"{FILE_COLUMN} AS f, "


def fast_rows(paths: Sequence[str], *, numbered: bool) -> str:
    line = "row_number() OVER ()" if numbered else "NULL::BIGINT"
    option, column = _file_option(paths)
    source = f"read_ndjson_objects({_paths_sql(paths)}, ignore_errors = true{option})"
    return f"SELECT {column}{line} AS line, json AS raw FROM {source}"


def _normalised_rows(paths: Sequence[str]) -> str:
    option, column = _file_option(paths)
    source = f"read_ndjson_objects({_paths_sql(paths)}{option})"
    return f"SELECT {column}NULL::BIGINT AS line, json AS raw FROM {source}"


def keyword_macro(normalised_input: bool) -> str:
    """The text keyword searches look in: the message, else all top-level values joined by
    spaces (nulls left out); normalised events' own "_line" is not part of it."""
    event = "json_merge_patch(r, '{\"_line\": null}')" if normalised_input else "r"
    message = json_path(KEYWORD_FIELDS[0])
    return (
        f"CREATE OR REPLACE TEMP MACRO garrison_keyword_text(r) AS coalesce(json_extract_string(r, "
        f"{sql_string(message)}), array_to_string(json_extract_string({event}, '$.*'), ' '))"
    )


def build_queries(
    rules: CompiledRuleSet, paths: str | Sequence[str], *, normalised_input: bool, numbered: bool
) -> Queries:
    """The SQL of one scan of one or more files: the events (line, raw, bad, one column per
    slot), the per-slot dictionaries of single-slot conditions, and the final query giving
    (line, raw, bad, matched rule indexes) for the rows that are malformed or matched by some
    rule. With several files every query also gives each row's file `f` (its path as given),
    the count query gives rows of (file, rows read) and the final query is left unordered."""
    paths = [paths] if isinstance(paths, str) else list(paths)
    multi = len(paths) > 1
    f = "f, " if multi else ""
    rows = _normalised_rows(paths) if normalised_input else fast_rows(paths, numbered=numbered)
    columns = rules.columns
    names = columns.fields
    struct, extra = _struct(names)
    if normalised_input:
        struct.append('"_line": "BIGINT"')
        line = 'e."_line"'
    else:
        line = "line"

    def field_sql(name: str) -> str:
        if name in extra:
            return f"json_extract_string(raw, {sql_string(json_path(name))})"
        return f"e.{_quoted(name)}"

    slots = [
        (
            f"coalesce({', '.join(field_sql(name) for name in candidates)})"
            if len(candidates) > 1
            else field_sql(candidates[0])
        )
        + f" AS s{number}"
        for candidates, number in columns.slots.items()
    ]
    parsed = (
        f"SELECT {f}line, raw, CASE WHEN starts_with(ltrim(raw), '{{') "
        f"THEN from_json(raw, '{{{', '.join(struct)}}}') END AS e FROM ({rows})"
    )
    slot_columns = "".join(", " + slot for slot in slots)
    events = f"SELECT {f}{line} AS line, raw, e IS NULL AS bad{slot_columns} FROM ({parsed})"
    features = Features()
    residuals = [_residual(rule.tree, features) for rule in rules.detections]
    # The keyword text of the whole event costs a second JSON parse: only where a rule that
    # searches it could still match once its other conditions are known.
    text_guards = [
        all_sql([rules.gates[rule.logsource], _relaxed(rule.tree, features)])
        for rule in rules.detections
        if rule.event_text
    ]
    groups: dict[str, list[int]] = {}
    for index, rule in enumerate(rules.detections):
        groups.setdefault(rule.logsource, []).append(index)
    any_rule = any_sql(
        [
            all_sql([rules.gates[key], any_sql([residuals[index] for index in members])])
            for key, members in groups.items()
        ]
    )
    words = []
    for start in range(0, len(rules.detections), WORD_BITS):
        by_gate: dict[str, list[str]] = {}
        for index in range(start, min(start + WORD_BITS, len(rules.detections))):
            gate = rules.gates[rules.detections[index].logsource]
            by_gate.setdefault(gate, []).append(f"(({residuals[index]})::BIGINT << {index % WORD_BITS})")
        parts = [f"CASE WHEN {gate} THEN ({' | '.join(bits)}) ELSE 0 END" for gate, bits in by_gate.items()]
        words.append(f"CASE WHEN bad THEN 0 ELSE ({' | '.join(parts)}) END AS w{start // WORD_BITS}")
    condition = f"bad OR ({any_rule})" if any_rule else "bad"
    feature_slots = sorted(features.by_slot)
    joins = "".join(f" LEFT JOIN d{slot} ON ev.s{slot} = d{slot}.s{slot}" for slot in feature_slots)
    feature_words = [
        f"coalesce(d{slot}.m{slot}_{word}, __null_{slot}_{word}__) AS m{slot}_{word}"
        for slot in feature_slots
        for word in range(features.words(slot))
    ]
    joined = f"SELECT ev.*{''.join(', ' + word for word in feature_words)} FROM ({events}) AS ev{joins}"
    if text_guards:
        keyword = f"CASE WHEN {any_sql(text_guards)} THEN garrison_keyword_text(raw) END"
        joined = f"SELECT *, lower(kwr) AS kw FROM (SELECT *, {keyword} AS kwr FROM ({joined}))"
    final = (
        f"SELECT {f}line, raw, bad, {', '.join(words or ['0 AS w0'])} "
        f"FROM ({joined}) WHERE {condition}{'' if multi else ' ORDER BY line'}"
    )
    dictionaries: dict[int, str] = {}
    if feature_slots:
        # One row per event and slot, grouped: a single small hash table (grouping sets keep
        # one per slot and thread); NULLs are kept so each slot's counts add up to the rows.
        pairs = ", ".join(f"{{'slot': {slot}, 'value': s{slot}}}" for slot in feature_slots)
        values = (
            f"CREATE OR REPLACE TEMP TABLE slot_values AS SELECT {f}slot, value, count(*) AS n FROM ("
            f"SELECT {f}unnest([{pairs}], recursive := true) "
            f"FROM ({_first_pass_rows(rules, paths, events)})) GROUP BY {f}slot, value"
        )
        counted = f"WHERE slot = {feature_slots[0]}"
    else:
        values = (
            f"CREATE OR REPLACE TEMP TABLE slot_values AS SELECT {f}0 AS slot, NULL::VARCHAR AS value, "
            f"count(*) AS n FROM ({rows}){' GROUP BY f' if multi else ''}"
        )
        counted = ""
    count = (
        f"SELECT f, sum(n) FROM slot_values {counted} GROUP BY f"
        if multi
        else f"SELECT NULL, sum(n) FROM slot_values {counted}"
    )
    for slot in feature_slots:
        feature_columns = ", ".join(
            features.word_sql(slot, word) + f" AS m{slot}_{word}" for word in range(features.words(slot))
        )
        dictionaries[slot] = (
            f"SELECT s{slot}, {feature_columns} "
            f"FROM (SELECT {'DISTINCT ' if multi else ''}value AS s{slot} FROM slot_values "
            f"WHERE slot = {slot} AND value IS NOT NULL)"
        )
    return Queries(values, count, dictionaries, final, features)


@dataclass
class Queries:
    values: str  # fills slot_values with the distinct values of every slot that has features
    count: str  # rows of (file or NULL with one file, rows the first pass read)
    dictionaries: dict[int, str]  # slot -> query of (value, feature words), from slot_values
    final: str  # has __null_<slot>_<word>__ markers: the feature words of a missing value
    features: Features


class Features:
    """Conditions that read one slot only, evaluated once per distinct value of the slot:
    feature k of slot n is bit k % 62 of word m<n>_<k // 62>."""

    BITS = 62

    def __init__(self) -> None:
        self.by_slot: dict[int, dict[str, int]] = {}

    def test(self, slot: int, sql: str) -> str:
        bits = self.by_slot.setdefault(slot, {})
        index = bits.setdefault(sql, len(bits))
        return f"((m{slot}_{index // self.BITS} & {1 << (index % self.BITS)}) <> 0)"

    def words(self, slot: int) -> int:
        return (len(self.by_slot[slot]) + self.BITS - 1) // self.BITS

    def word_sql(self, slot: int, word: int) -> str:
        features = list(self.by_slot[slot])[word * self.BITS : (word + 1) * self.BITS]
        return "(" + " | ".join(f"(({sql})::BIGINT << {bit})" for bit, sql in enumerate(features)) + ")"


def _residual(node: Expr, features: Features) -> str:
    """The rule's condition with every single-slot part replaced by its feature bit; what
    remains reads several slots or the whole event, cheapest tests first."""
    if node.slots is not None and len(node.slots) == 1:
        return features.test(next(iter(node.slots)), node.sql)
    if node.op in ("and", "or"):
        ordered = sorted(node.children, key=_cost)
        parts = [_residual(child, features) for child in ordered]
        return all_sql(parts) if node.op == "and" else any_sql(parts)
    if node.op == "not":
        return f"(NOT {_residual(node.children[0], features)})"
    return node.sql


def _relaxed(node: Expr, features: Features, *, positive: bool = True) -> str:
    """A condition implied by the node that does not read the event's text: its parts that do
    are taken as true where a truer part can only help (and false under a negation)."""
    if node.slots is not None:
        return _residual(node, features)
    if node.op in ("and", "or"):
        parts = [_relaxed(child, features, positive=positive) for child in sorted(node.children, key=_cost)]
        return all_sql(parts) if node.op == "and" else any_sql(parts)
    if node.op == "not":
        return f"(NOT {_relaxed(node.children[0], features, positive=not positive)})"
    return "true" if positive else "false"


def _first_pass_rows(rules: CompiledRuleSet, paths: Sequence[str], events: str) -> str:
    """The first pass only needs the slots: DuckDB's typed JSON reader is faster than parsing
    each line's text, when no two fields differ by case only (its column names ignore case)."""
    names = rules.columns.fields
    if len({name.lower() for name in names}) != len(names) or not names:
        return events
    columns = ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in names)
    option, column = _file_option(paths)
    source = (
        f"read_json({_paths_sql(paths)}, format = 'newline_delimited', columns = {{{columns}}}, "
        f"ignore_errors = true{option})"
    )
    slots = [
        (
            f"coalesce({', '.join(_quoted(name) for name in candidates)})"
            if len(candidates) > 1
            else _quoted(candidates[0])
        )
        + f" AS s{number}"
        for candidates, number in rules.columns.slots.items()
    ]
    return f"SELECT {column}{', '.join(slots)} FROM {source}"


def _cost(node: Expr) -> int:
    if node.slots is None:
        return 2
    return 0 if len(node.slots) <= 1 else 1


def _struct(names: Sequence[str]) -> tuple[list[str], set[str]]:
    """The from_json structure for the fields, and the fields it cannot hold (DuckDB struct
    keys ignore case, JSON keys do not: the second of `SYSCALL` and `syscall` is read by path)."""
    seen: set[str] = set()
    entries: list[str] = []
    extra: set[str] = set()
    for name in names:
        if name.lower() in seen:
            extra.add(name)
            continue
        seen.add(name.lower())
        entries.append(f'{_json_key(name)}: "VARCHAR"')
    return entries, extra


def _json_key(name: str) -> str:
    return orjson.dumps(name).decode().replace("'", "''")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
