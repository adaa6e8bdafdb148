"""Running compiled rules over log files in DuckDB.

Each file is read twice by DuckDB, both times in parallel: a first pass collects the distinct
values of every slot the rules read, and each single-slot condition is evaluated once per
distinct value (queries.py); the second pass parses the events, joins them with those
dictionaries and keeps the rows that are malformed or matched by some rule. JSON lines are
read by DuckDB directly; a matched row's line number is then found by its text in one pass over
the file (numbering rows inside DuckDB would run the query on one thread). Other formats, and
JSON lines DuckDB reads differently from Python (a JSON array, text it cannot decode), are
normalised by `engine.inputs.normalise` into a temporary JSON-lines file whose events carry
their source line numbers.

Several files share the planning, which costs more than reading a small file: the JSON-lines
files DuckDB reads directly are read together by one first pass and one final query, and so are
the normalised files; the matched rows wait in a temporary table and are taken file by file, in
the files' order, so matches, line numbers and each file's report are what a scan of that file
alone gives. A file the others cannot be read with is scanned on its own.

Matches go to the caller as they are produced; nothing holds all events. Memory stays bounded:
DuckDB gets `memory_limit_mb` and a temporary folder to spill into.
"""

# This module's job is writing SQL: every value in it goes through backend.sql_string.
# ruff: noqa: S608

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import orjson

from garrison.logaudit.engine.backend import sql_string
from garrison.logaudit.engine.compiler import CompiledRule, CompiledRuleSet
from garrison.logaudit.engine.correlation import (
    CREATE_EVENTS_TABLE,
    EVENTS_TABLE,
    CompiledCorrelation,
    event_seconds,
    iso_time,
)
from garrison.logaudit.engine.inputs import MALFORMED_KEPT, InputFormat, InputReport, Malformed, normalise
from garrison.logaudit.engine.pipelines import normalised
from garrison.logaudit.engine.queries import WORD_BITS, Queries, build_queries, keyword_macro
from garrison.logaudit.engine.rules import RuleProblem

FETCH_ROWS = 2048
# Matched rows of one JSON-lines file held in memory while their lines are found; beyond
# either bound the file is numbered by DuckDB instead (slower, but memory stays bounded).
HELD_MATCHES = 500_000
HELD_BYTES = 128 * 1024 * 1024


@dataclass
class EventFile:
    path: str
    format: InputFormat
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.path


@dataclass
class Match:
    rule_id: str
    title: str
    level: str
    author: str
    file_label: str
    line: int  # source line number (1-based) in that file
    time: str | None
    host: str
    user: str
    event: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "level": self.level,
            "author": self.author,
            "file": self.file_label,
            "line": self.line,
            "time": self.time,
            "host": self.host,
            "user": self.user,
            "event": self.event,
        }


@dataclass
class ScanResult:
    events: int
    malformed: int
    inputs: list[InputReport]
    counts: dict[str, int]  # rule_id -> matches
    problems: list[RuleProblem]
    seconds: float
    matches: int = 0
    correlation_events_without_time: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def scan(
    rules: CompiledRuleSet,
    files: Sequence[EventFile],
    *,
    on_match: Callable[[Match], None] | None = None,
    matches_out: BinaryIO | None = None,
    workdir: str | None = None,
    memory_limit_mb: int = 500,
) -> ScanResult:
    """Run the rules over the files; every match goes to `on_match` and/or `matches_out` (one
    JSON object a line) as it is found."""
    started = time.perf_counter()
    result = ScanResult(0, 0, [], {}, list(rules.problems), 0.0)
    detections = rules.detections
    correlations = rules.correlations
    for rule in detections:
        if rule.generate:
            result.counts[rule.rule_id] = 0
    for correlation in correlations:
        result.counts[correlation.rule_id] = 0

    def emit(match: Match) -> None:
        result.counts[match.rule_id] = result.counts.get(match.rule_id, 0) + 1
        result.matches += 1
        if on_match is not None:
            on_match(match)
        if matches_out is not None:
            matches_out.write(orjson.dumps(match.as_json(), option=orjson.OPT_APPEND_NEWLINE))

    with tempfile.TemporaryDirectory(prefix="logaudit-", dir=workdir) as scratch:
        connection = _connect(scratch, memory_limit_mb)
        try:
            feeds = _CorrelationFeed(correlations, scratch)
            shared = _SharedScans(connection, rules, files, scratch)
            for position in range(len(files)):
                report = shared.scan_file(position, emit, feeds)
                result.inputs.append(report)
                result.events += report.event_count
                result.malformed += report.malformed_count
            if correlations:
                result.correlation_events_without_time = feeds.without_time
                for match in feeds.run(connection):
                    emit(match)
        finally:
            connection.close()
    result.seconds = time.perf_counter() - started
    return result


def _connect(scratch: str, memory_limit_mb: int) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(config={"memory_limit": f"{memory_limit_mb}MB", "temp_directory": scratch})
    connection.execute("SET preserve_insertion_order = true")
    connection.execute("SET TimeZone = 'UTC'")
    # The events are the probe side of every join with a slot dictionary: DuckDB's estimate of
    # a JSON file's rows is tiny, and swapping sides would hold every event in a hash table.
    connection.execute("SET disabled_optimizers = 'build_side_probe_side'")
    return connection


# --- several files, one plan -------------------------------------------------------------------


class _Group:
    """Files read by one pair of queries (first pass, final query): their matched and malformed
    rows wait in a temporary table until their file's turn comes."""

    def __init__(self, number: int, paths: dict[int, str], *, normalised_input: bool) -> None:
        self.table = f"hits{number}"
        self.paths = paths  # position in the scan's files -> the path DuckDB reads
        self.normalised_input = normalised_input
        self.rows: dict[str, int] = {}  # path -> rows the first pass read
        self.words = 0

    def run(self, connection: duckdb.DuckDBPyConnection, rules: CompiledRuleSet) -> None:
        connection.execute(keyword_macro(self.normalised_input))
        queries = build_queries(
            rules, list(self.paths.values()), normalised_input=self.normalised_input, numbered=False
        )
        self.rows = {str(path): count for path, count in _first_pass(connection, queries).items()}
        self.words = max(1, (len(rules.detections) + WORD_BITS - 1) // WORD_BITS)
        final = _final_query(connection, queries)
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} AS {final}")

    def rows_of(
        self, connection: duckdb.DuckDBPyConnection, position: int
    ) -> tuple[int, duckdb.DuckDBPyConnection]:
        path = self.paths[position]
        words = "".join(f", w{word}" for word in range(self.words))
        order = " ORDER BY line" if self.normalised_input else ""
        cursor = connection.execute(
            f"SELECT line, raw, bad{words} FROM {self.table} WHERE f = $1{order}", [path]
        )
        return self.rows.get(path, 0), cursor


class _SharedScans:
    """Scans the files in their order; JSON lines DuckDB reads directly share one plan, and the
    files normalised first share another (planning the rules' SQL costs more than reading a
    small file). A file DuckDB cannot read with the others, or one alone of its kind, is
    scanned on its own as before."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        rules: CompiledRuleSet,
        files: Sequence[EventFile],
        scratch: str,
    ) -> None:
        self.connection, self.rules, self.files, self.scratch = connection, rules, files, scratch
        self.groups: dict[int, _Group] = {}
        self.reports: dict[int, InputReport] = {}  # normalised files' reports
        if len(files) < 2:
            return
        direct: dict[int, str] = {}
        normalised_paths: dict[int, str] = {}
        for position, source in enumerate(files):
            if _reads_directly(source):
                direct[position] = source.path
            else:
                path = os.path.join(scratch, f"events-{position}.jsonl")
                with open(path, "wb") as out:
                    self.reports[position] = normalise(source.path, InputFormat(source.format), out)
                normalised_paths[position] = path
        for number, (paths, normalised_input) in enumerate(((direct, False), (normalised_paths, True))):
            if len(paths) < 2 or len(set(paths.values())) != len(paths):
                continue
            group = _Group(number, paths, normalised_input=normalised_input)
            try:
                group.run(connection, rules)
            except (duckdb.InvalidInputException, duckdb.ConversionException):
                continue  # each of these files is scanned on its own, as it alone says what is wrong
            for position in paths:
                self.groups[position] = group

    def scan_file(self, position: int, emit: Callable[[Match], None], feeds: _CorrelationFeed) -> InputReport:
        source = self.files[position]
        group = self.groups.get(position)
        if position in self.reports:
            path = os.path.join(self.scratch, f"events-{position}.jsonl")
            _scan_rows(
                self.connection,
                self.rules,
                source,
                emit,
                feeds,
                path,
                normalised_input=True,
                group=group,
                position=position,
            )
            os.unlink(path)
            return self.reports.pop(position)
        return _scan_file(self.connection, self.rules, source, self.scratch, emit, feeds, group, position)


def _reads_directly(source: EventFile) -> bool:
    return InputFormat(source.format) == InputFormat.JSONL and not _starts_array(source.path)


# --- one file --------------------------------------------------------------------------------


def _scan_file(
    connection: duckdb.DuckDBPyConnection,
    rules: CompiledRuleSet,
    source: EventFile,
    scratch: str,
    emit: Callable[[Match], None],
    feeds: _CorrelationFeed,
    group: _Group | None = None,
    position: int = 0,
) -> InputReport:
    if _reads_directly(source):
        try:
            try:
                return _scan_json_lines(connection, rules, source, emit, feeds, group, position)
            except _TooManyMatches:
                # Too many matches to hold while their lines are found: number the rows in
                # DuckDB instead (one thread), which needs a file without blank lines.
                lines = count_lines(source.path)
                report = _scan_rows(
                    connection, rules, source, emit, feeds, source.path, normalised_input=False, lines=lines
                )
                if report.malformed:
                    _explain_malformed(source.path, report.malformed)
                return report
        except (_NotLineAligned, duckdb.InvalidInputException, duckdb.ConversionException):
            pass  # text DuckDB cannot read or lines it counts differently: read it the slow way
    path = os.path.join(scratch, "events.jsonl")
    with open(path, "wb") as out:
        report = normalise(source.path, InputFormat(source.format), out)
    _scan_rows(connection, rules, source, emit, feeds, path, normalised_input=True)
    os.unlink(path)
    return report


class _NotLineAligned(Exception):
    """DuckDB's rows of a JSON-lines file are not its lines one for one."""


class _TooManyMatches(Exception):
    """More matched rows than the fast path holds while it finds their lines."""


def _starts_array(path: str) -> bool:
    with open(path, "rb") as stream:
        return stream.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"[")


def count_lines(path: str) -> int:
    """Lines of a file (a last line without a newline counts)."""
    count = 0
    last = b"\n"
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 24):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _scan_json_lines(
    connection: duckdb.DuckDBPyConnection,
    rules: CompiledRuleSet,
    source: EventFile,
    emit: Callable[[Match], None],
    feeds: _CorrelationFeed,
    group: _Group | None = None,
    position: int = 0,
) -> InputReport:
    """JSON lines read by DuckDB in parallel. Numbering rows in DuckDB would run the whole
    query on one thread, so the matched rows come back unnumbered and their line numbers are
    found afterwards by their text, in one pass over the file: rows with the same text match
    the same rules, so which of two equal lines is which does not matter."""
    if group is None:
        connection.execute(keyword_macro(False))
        queries = build_queries(rules, source.path, normalised_input=False, numbered=False)
        row_count = _first_pass(connection, queries).get(None, 0)
        cursor = connection.execute(_final_query(connection, queries))
    else:
        row_count, cursor = group.rows_of(connection, position)
    found: list[tuple[bytes, list[int]]] = []
    bad = 0
    held = 0
    while batch := cursor.fetchmany(FETCH_ROWS):
        for _line, raw, is_bad, *words in batch:
            if is_bad:
                bad += 1
            else:
                text = raw.encode()
                held += len(text)
                found.append((text, words))
        if len(found) > HELD_MATCHES or held > HELD_BYTES:
            raise _TooManyMatches
    lines, blank, numbers, malformed = _locate(source.path, [raw for raw, _ in found], check=bad > 0)
    if lines - blank != row_count or len(malformed) != bad or 0 in numbers:
        raise _NotLineAligned  # DuckDB and Python disagree on the lines: read it the slow way
    report = InputReport(source.path, InputFormat(source.format), lines, row_count - bad, bad)
    report.malformed = malformed[:MALFORMED_KEPT]
    for position in sorted(range(len(found)), key=numbers.__getitem__):
        raw, words = found[position]
        _emit_row(rules, source.name, numbers[position], orjson.loads(raw), words, emit, feeds)
    return report


def _locate(path: str, texts: Sequence[bytes], *, check: bool) -> tuple[int, int, list[int], list[Malformed]]:
    """(lines, blank lines, the line number of each text, the malformed lines when `check`)."""
    wanted: dict[bytes, list[int]] = {}
    for position in range(len(texts) - 1, -1, -1):
        wanted.setdefault(texts[position], []).append(position)
    numbers = [0] * len(texts)
    malformed: list[Malformed] = []
    blank = 0
    number = 0
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, start=1):
            text = line.strip(b" \t\r\n")
            if not text:
                blank += 1
                continue
            positions = wanted.get(text)
            if positions:
                numbers[positions.pop()] = number
            elif check:
                reason = _why_malformed(text, strict=True)
                if reason:
                    malformed.append(Malformed(number, reason))
    return number, blank, numbers, malformed


def _scan_rows(
    connection: duckdb.DuckDBPyConnection,
    rules: CompiledRuleSet,
    source: EventFile,
    emit: Callable[[Match], None],
    feeds: _CorrelationFeed,
    path: str,
    *,
    normalised_input: bool,
    lines: int | None = None,
    group: _Group | None = None,
    position: int = 0,
) -> InputReport:
    if group is None:
        connection.execute(keyword_macro(normalised_input))
        queries = build_queries(rules, path, normalised_input=normalised_input, numbered=not normalised_input)
        row_count = _first_pass(connection, queries).get(None, 0)
        if lines is not None and row_count != lines:
            raise _NotLineAligned
        cursor = connection.execute(_final_query(connection, queries))
    else:
        row_count, cursor = group.rows_of(connection, position)
    report = InputReport(source.path, InputFormat(source.format), lines or 0, row_count, 0)
    label = source.name
    while True:
        batch = cursor.fetchmany(FETCH_ROWS)
        if not batch:
            break
        for line, raw, bad, *words in batch:
            if bad:
                report.malformed_count += 1
                if len(report.malformed) < MALFORMED_KEPT:
                    report.malformed.append(Malformed(int(line), "invalid JSON"))
                continue
            event = orjson.loads(raw)
            if normalised_input:
                event.pop("_line", None)
            _emit_row(rules, label, int(line), event, words, emit, feeds)
    report.event_count = row_count - report.malformed_count
    return report


def _emit_row(
    rules: CompiledRuleSet,
    label: str,
    line: int,
    event: dict[str, Any],
    words: Sequence[int],
    emit: Callable[[Match], None],
    feeds: _CorrelationFeed,
) -> None:
    moment, host, user = normalised(event)
    for index in _indexes(words):
        rule = rules.detections[index]
        match = Match(
            rule.rule_id,
            rule.rule.title,
            rule.rule.level,
            rule.rule.author,
            label,
            line,
            moment,
            host,
            user,
            event,
        )
        feeds.add(rule, match)
        if rule.generate:
            emit(match)


def _indexes(words: Sequence[int]) -> Iterator[int]:
    """Rule indexes from the match words: bit b of word w is rule w * WORD_BITS + b."""
    for number, word in enumerate(words):
        while word:
            low = word & -word
            yield number * WORD_BITS + low.bit_length() - 1
            word ^= low


def _first_pass(connection: duckdb.DuckDBPyConnection, queries: Queries) -> dict[str | None, int]:
    """Read the files once for the distinct values of every slot; the number of rows read in
    each file (under None with one file)."""
    connection.execute("SET preserve_insertion_order = false")  # a grouping: order is moot
    try:
        connection.execute(queries.values)
    finally:
        connection.execute("SET preserve_insertion_order = true")
    return {path: int(count or 0) for path, count in connection.execute(queries.count).fetchall()}


_NULL_WORDS: dict[str, tuple[Any, ...]] = {}  # the feature words of missing values, by their SQL


def _final_query(connection: duckdb.DuckDBPyConnection, queries: Queries) -> str:
    """Make the per-slot dictionaries and return the final query, with the feature words of a
    missing value (a slot that is null) filled in."""
    features = queries.features
    for slot, dictionary in queries.dictionaries.items():
        connection.execute(f"CREATE OR REPLACE TEMP TABLE d{slot} AS {dictionary}")
    markers = [(slot, word) for slot in queries.dictionaries for word in range(features.words(slot))]
    if not markers:
        return queries.final
    nulls = ", ".join(f"NULL::VARCHAR AS s{slot}" for slot in queries.dictionaries)
    words = ", ".join(features.word_sql(slot, word) for slot, word in markers)
    sql = f"SELECT {words} FROM (SELECT {nulls})"
    row = _NULL_WORDS.get(sql)
    if row is None:
        # A pure function of the rules, and planning it is slow: kept for the next files and scans.
        row = connection.execute(sql).fetchone() or ()
        if len(_NULL_WORDS) >= 8:
            _NULL_WORDS.clear()
        _NULL_WORDS[sql] = row
    final = queries.final
    for (slot, word), value in zip(markers, row, strict=True):
        final = final.replace(f"__null_{slot}_{word}__", f"{int(value)}::BIGINT")
    return final


def _explain_malformed(path: str, malformed: list[Malformed]) -> None:
    """Say why each listed line is malformed (DuckDB only says that it is)."""
    wanted = {item.line: item for item in malformed}
    last = max(wanted)
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, start=1):
            if number in wanted:
                wanted[number].reason = _why_malformed(line)
            if number >= last:
                break


def _why_malformed(line: bytes, *, strict: bool = False) -> str:
    """Why a line is not an event ("" when it is one, asked with `strict`)."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return f"invalid JSON: {error}"
    if strict and isinstance(value, dict):
        return ""
    return f"a JSON {type(value).__name__}, not an object"


# --- correlations ------------------------------------------------------------------------------


class _CorrelationFeed:
    """Collects the base-rule matches of the correlations into a file DuckDB then reads."""

    def __init__(self, correlations: list[CompiledCorrelation], scratch: str) -> None:
        self.correlations = correlations
        self.by_base: dict[str, list[tuple[int, CompiledCorrelation]]] = {}
        for index, correlation in enumerate(correlations):
            for base in dict.fromkeys(correlation.base_ids):
                self.by_base.setdefault(base, []).append((index, correlation))
        self.path = Path(scratch) / "correlation-events.jsonl"
        self.stream: BinaryIO | None = None
        self.without_time = 0

    def add(self, rule: CompiledRule, match: Match) -> None:
        targets = self.by_base.get(rule.rule_id)
        if not targets:
            return
        seconds = event_seconds(match.time)
        if seconds is None:
            self.without_time += 1
            return
        if self.stream is None:
            self.stream = open(self.path, "wb")  # noqa: SIM115 - closed in run()
        for index, correlation in targets:
            row = {
                "c": index,
                "rule": rule.rule_id,
                "ts": seconds,
                "label": match.file_label,
                "line": match.line,
                "grp": correlation.group_key(rule.rule_id, match.event),
                "val": correlation.value(rule.rule_id, match.event),
                "host": match.host,
                "usr": match.user,
            }
            self.stream.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))

    def run(self, connection: duckdb.DuckDBPyConnection) -> Iterator[Match]:
        connection.execute(CREATE_EVENTS_TABLE)
        if self.stream is not None:
            self.stream.close()
            connection.execute(
                f"INSERT INTO {EVENTS_TABLE} SELECT c, rule, ts, label, line, grp, val, host, usr "
                "FROM read_json("
                f"{sql_string(str(self.path))}, format = 'newline_delimited', columns = {{'c': 'INTEGER', "
                "'rule': 'VARCHAR', 'ts': 'DOUBLE', 'label': 'VARCHAR', 'line': 'BIGINT', 'grp': 'VARCHAR', "
                "'val': 'VARCHAR', 'host': 'VARCHAR', 'usr': 'VARCHAR'})"
            )
        for index, correlation in enumerate(self.correlations):
            for row in connection.execute(correlation.sql, [index]).fetchall():
                group, start, end, count, label, line, host, user = row
                rule = correlation.rule
                yield Match(
                    rule.rule_id,
                    rule.title,
                    rule.level,
                    rule.author,
                    label,
                    int(line),
                    iso_time(end),
                    host or "",
                    user or "",
                    correlation.match_event((group, start, end, count)),
                )
