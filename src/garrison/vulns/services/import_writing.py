"""Writing an import's findings in bulk: the second phase of an import, in one transaction.

Each batch of parsed records (a few thousand) costs a handful of statements. One query
looks up the findings already known by the batch's fingerprints: their id, status, scope
and content digest only, never their texts. New findings are inserted as plain rows with
their sightings and "first found" events (COPY on PostgreSQL, executemany elsewhere; see
garrison.vulns.services.bulk_rows). Findings whose reported content changed (their digest
differs) are updated by primary key with executemany. Once the batches are done, the
narrow sighting rows of the findings seen again are moved by a few set-based UPDATEs,
and for a scoped import the findings of the scope it did not report are marked fixed,
with their history. No model instance is built per finding: at a hundred thousand rows
their construction would cost more than the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db import connection

from garrison.core.scheduling import organisation_zone
from garrison.vulns import sla
from garrison.vulns.fingerprint import CONTENT_FIELDS, content_digest, finding_fingerprint, place_of
from garrison.vulns.models import Finding, FindingEvent, FindingEventKind, FindingSighting, FindingStatus
from garrison.vulns.services.bulk_rows import (
    NULL,
    columns,
    copy_lines,
    copy_texts,
    copy_value,
    execute_for_ids,
    insert_for_ids,
    table,
)
from garrison.vulns.services.hosts import HostCatalogue
from garrison.vulns.severity import assess

# A finding travels from the parser to the writer as a tuple of these attributes of
# ParsedFinding, in this order (cheap to pickle into the spool and to unpack).
RECORD_FIELDS = (
    "title",
    "rule_id",
    "host",
    "port",
    "protocol",
    "service",
    "location",
    "component",
    "component_version",
    "fixed_version",
    "severity",
    "cvss_vector",
    "cvss_score",
    "cve_ids",
    "cwe_ids",
    "description",
    "solution",
    "evidence",
    "references",
)
record_of = attrgetter(*RECORD_FIELDS)

# What the scanner says about a finding, as written on insert and on change: the reported
# content (garrison.vulns.fingerprint.CONTENT_FIELDS), the first CVE and the content's
# digest, numbers first, then texts. A re-import compares the digest only; the rest is
# identity (in the fingerprint) or ours.
TEXT_COLUMNS = (
    "cve",
    "title",
    "rule_id",
    "cve_ids",
    "cwe_ids",
    "host",
    "service",
    "location",
    "component",
    "component_version",
    "fixed_version",
    "scanner_severity",
    "cvss_version",
    "cvss_vector",
    "description",
    "solution",
    "evidence",
    "references",
    "content_digest",
)
SCANNER_COLUMNS = ("severity", "cvss_score", *TEXT_COLUMNS)
DIGEST_POSITION = len(SCANNER_COLUMNS) - 1
LOOKUP_COLUMNS = ("fingerprint", "id", "status", "scan_scope", "content_digest")
# The same for every finding an import adds.
CONSTANT_COLUMNS = (
    "source",
    "scan_scope",
    "status",
    "first_seen_at",
    "opened_at",
    "fixed_at",
    "reopened_count",
    "penetration_test_id",
    "retest_status",
    "overdue_notified_on",
    "created_at",
    "updated_at",
)
# A new finding's columns: its own numbers, the constants, then its texts (which COPY's
# rows escape together).
NEW_COLUMNS = (
    "fingerprint",
    "asset_id",
    "unit_id",
    "port",
    "due_on",
    *CONSTANT_COLUMNS,
    "severity",
    "cvss_score",
    "protocol",
    *TEXT_COLUMNS,
)
SIGHTING_COLUMNS = ("finding_id", "last_seen_at", "last_import_id")
EVENT_COLUMNS = ("finding_id", "kind", "status", "scan_import_id", "actor", "note", "at")
CVE_IDS_AT, CWE_IDS_AT, REFERENCES_AT = (
    CONTENT_FIELDS.index(name) for name in ("cve_ids", "cwe_ids", "references")
)


def _max_lengths() -> dict[str, int]:
    lengths = {}
    for model_field in Finding._meta.concrete_fields:
        if model_field.max_length and model_field.get_internal_type() == "CharField":
            lengths[model_field.attname] = model_field.max_length
    return lengths


MAX_LENGTHS = _max_lengths()
TITLE_LENGTH = MAX_LENGTHS["title"]
CUT_COLUMNS = tuple(
    (i, MAX_LENGTHS[name]) for i, name in enumerate(CONTENT_FIELDS) if name in MAX_LENGTHS and name != "title"
)
PROTOCOL_LENGTH = MAX_LENGTHS["protocol"]
CVE_LENGTH = MAX_LENGTHS["cve"]

# A finding known to the import: (fingerprint, asset id, unit id, port, protocol, values of
# SCANNER_COLUMNS).
Entry = tuple[str, int | None, int, Any, str, tuple[Any, ...]]


@dataclass(slots=True)
class WriteCounts:
    """What an import did to findings, for its summary."""

    new: int = 0
    open: int = 0
    reopened: int = 0
    unchanged: int = 0
    fixed: int = 0
    duplicates: int = 0


class FindingWriter:
    """Upserts the findings of one import, batch after batch, then moves the last sighting
    of those seen again and marks the findings of its scan scope it did not report as
    fixed. Call inside one transaction."""

    def __init__(
        self,
        *,
        scan_import_id: int,
        source: str,
        scan_scope: str,
        unit_id: int,
        penetration_test_id: int | None,
        actor: str,
        now: dt.datetime,
        days_by_severity: Mapping[int, int],
        hosts: HostCatalogue,
    ) -> None:
        self.scan_import_id = scan_import_id
        self.source = source
        self.scan_scope = scan_scope
        self.unit_id = unit_id
        self.penetration_test_id = penetration_test_id
        self.actor = actor[:200]
        self.now = now
        self.days = dict(days_by_severity)
        self.hosts = hosts
        self.counts = WriteCounts()
        self.seen: set[str] = set()
        # The findings this import reported: the new ones and the known ones.
        self.added: list[int] = []
        self.sighted: list[int] = []
        self.is_postgresql = connection.vendor == "postgresql"
        self.now_db = connection.ops.adapt_datetimefield_value(now)
        self.zone = organisation_zone()
        today = now.astimezone(self.zone).date()
        self.due_today = {severity: sla.due_on(today, severity, self.days) for severity in range(5)}
        self.due_today_db = {
            severity: connection.ops.adapt_datefield_value(due) for severity, due in self.due_today.items()
        }
        self.constants = (
            source,
            scan_scope,
            FindingStatus.OPEN.value,
            self.now_db,
            self.now_db,
            None,
            0,
            penetration_test_id,
            "",
            None,
            self.now_db,
            self.now_db,
        )
        self._assessed: dict[tuple[str, Any, str], tuple[int, str, str, Any]] = {}
        self._json: dict[tuple[str, ...], str] = {}
        self._subjects: dict[str, tuple[str, int | None, int]] = {}

    # Turning a parsed record into stored values ------------------------------------------

    def _assess(self, vector: str, score: Any, word: str) -> tuple[int, str, str, Any]:
        """(severity, CVSS version, vector, score), cached: a scan repeats the same few
        hundred vectors and words."""
        key = (vector, score, word)
        found = self._assessed.get(key)
        if found is None:
            assessment = assess(vector, score, word)
            stored = None if assessment.cvss_score is None else Decimal(f"{assessment.cvss_score:.1f}")
            found = (assessment.severity, assessment.cvss_version, assessment.cvss_vector or vector, stored)
            self._assessed[key] = found
        return found

    def _encode(self, values: tuple[str, ...]) -> str:
        """A JSON list, cached: a scan repeats the same references on every host."""
        text = self._json.get(values)
        if text is None:
            text = json.dumps(list(values), ensure_ascii=not self.is_postgresql)
            self._json[values] = text
        return text

    def _subject(self, host: str) -> tuple[str, int | None, int]:
        known = self.hosts.get(host) or self.hosts.note(host)
        assert known is not None
        found = (known.subject, known.asset_id, known.unit_id or self.unit_id)
        self._subjects[host] = found
        return found

    def _prepare(self, record: tuple[Any, ...]) -> Entry:
        """The fingerprint and stored values of a record."""
        (
            title,
            rule_id,
            host,
            port,
            protocol,
            service,
            location,
            component,
            component_version,
            fixed_version,
            word,
            vector,
            score,
            cve_ids,
            cwe_ids,
            description,
            solution,
            evidence,
            references,
        ) = record
        if host:
            subject, asset_id, unit_id = self._subjects.get(host) or self._subject(host)
        else:
            subject, asset_id, unit_id = "", None, self.unit_id
        protocol = (protocol or "").lower()[:PROTOCOL_LENGTH]
        rule = rule_id or (cve_ids[0] if cve_ids else "") or title
        fingerprint = finding_fingerprint(
            source=self.source,
            subject=subject,
            rule=rule,
            place=place_of(port, protocol, location),
            component=component,
        )
        severity, version, stored_vector, stored_score = self._assess(vector, score, word)
        content = [
            title[:TITLE_LENGTH] or rule[:TITLE_LENGTH],
            rule_id,
            cve_ids,
            cwe_ids,
            host,
            service,
            location,
            component,
            component_version,
            fixed_version,
            severity,
            word,
            version,
            stored_vector,
            stored_score,
            description,
            solution,
            evidence,
            references,
        ]
        for position, length in CUT_COLUMNS:
            value = content[position]
            if len(value) > length:
                content[position] = value[:length]
        values = (
            severity,
            stored_score,
            cve_ids[0][:CVE_LENGTH] if cve_ids else "",
            content[0],
            content[1],
            self._encode(tuple(cve_ids)),
            self._encode(tuple(cwe_ids)),
            *content[4:10],
            *content[11:14],
            *content[15:18],
            self._encode(tuple(references)),
            content_digest(content),
        )
        return fingerprint, asset_id, unit_id, port, protocol, values

    # One batch ------------------------------------------------------------------------

    def add(self, records: Iterable[tuple[Any, ...]]) -> None:
        """Upsert a batch of records (tuples of RECORD_FIELDS)."""
        self._write(self._prepare_batch(records))

    def add_all(self, batches: Iterable[Iterable[tuple[Any, ...]]]) -> None:
        """Upsert batch after batch. On PostgreSQL each batch is prepared (fingerprints,
        severities, digests: pure Python) in a second thread while the previous one is
        written, so that the server works while Python computes rather than in turn; only
        this thread uses the connection. SQLite works inside this process, and hands the
        interpreter lock back and forth with such a thread on every row: there the batches
        are prepared and written in turn."""
        if not self.is_postgresql:
            for records in batches:
                self.add(records)
            return
        pending = iter(batches)

        def prepare_next() -> dict[str, Entry] | None:
            records = next(pending, None)
            return None if records is None else self._prepare_batch(records)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-prepare") as pool:
            prepared = pool.submit(prepare_next)
            while (batch := prepared.result()) is not None:
                prepared = pool.submit(prepare_next)
                self._write(batch)

    def _prepare_batch(self, records: Iterable[tuple[Any, ...]]) -> dict[str, Entry]:
        """The batch's findings by fingerprint, each once in the whole import."""
        batch: dict[str, Entry] = {}
        seen = self.seen
        for record in records:
            entry = self._prepare(record)
            fingerprint = entry[0]
            if fingerprint in seen:
                # Reported twice in one file (a scanner listing a port under two services,
                # say): one finding, counted once.
                self.counts.duplicates += 1
                continue
            seen.add(fingerprint)
            batch[fingerprint] = entry
        return batch

    def _write(self, batch: dict[str, Entry]) -> None:
        if not batch:
            return
        existing = self._existing(sorted(batch))
        new: list[Entry] = []
        changed: list[tuple[Any, ...]] = []
        reopened: list[tuple[Any, ...]] = []
        sighted: list[int] = []
        # The unchanged ones a scoped import takes over from another scope.
        rescoped: list[int] = []
        unchanged = 0
        fixed, false_positive = FindingStatus.FIXED.value, FindingStatus.FALSE_POSITIVE.value
        scan_scope = self.scan_scope
        # New findings in fingerprint order, so that the unique index fills from one end.
        for fingerprint in sorted(batch) if len(existing) < len(batch) else batch:
            entry = batch[fingerprint]
            row = existing.get(fingerprint)
            if row is None:
                new.append(entry)
                continue
            finding_id, status, scope, digest = row
            values = entry[5]
            sighted.append(finding_id)
            if status == fixed:
                reopened.append((*values, self.due_today_db[values[0]], finding_id))
            elif status == false_positive or digest == values[DIGEST_POSITION]:
                unchanged += 1
                if scan_scope and scope != scan_scope:
                    rescoped.append(finding_id)
            else:
                changed.append((*values, finding_id))
        if new:
            self._insert_new(new)
        if changed:
            self._update_changed(self._with_due_dates(changed))
        if reopened:
            self._reopen(reopened)
        if sighted:
            self._move_sightings(sorted(sighted), sorted(rescoped))
            self.sighted.extend(sighted)
        self.counts.new += len(new)
        self.counts.open += len(changed)
        self.counts.reopened += len(reopened)
        self.counts.unchanged += unchanged

    def _existing(self, fingerprints: list[str]) -> dict[str, tuple[Any, ...]]:
        """fingerprint → (id, status, scan scope, content digest) of the known findings."""
        if self.is_postgresql:
            # One text parameter split by the server: the driver adapts a list of strings
            # to an array element by element, in Python.
            condition, params = "fingerprint = ANY(string_to_array(%s, ','))", [",".join(fingerprints)]
        else:
            condition, params = f"fingerprint IN ({', '.join(['%s'] * len(fingerprints))})", fingerprints
        statement = f"SELECT {columns(LOOKUP_COLUMNS)} FROM {table(Finding)} WHERE {condition}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def _with_due_dates(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The changed rows with their due dates, from when each one's SLA clock started and
        its severity now (the few changed findings' start dates are read here, rather than
        every finding's with the lookup)."""
        opened = dict(Finding.objects.filter(pk__in=[row[-1] for row in rows]).values_list("pk", "opened_at"))
        adapt = connection.ops.adapt_datefield_value
        return [
            (
                *row[:-1],
                adapt(sla.due_on(opened[row[-1]].astimezone(self.zone).date(), row[0], self.days)),
                row[-1],
            )
            for row in rows
        ]

    def _insert_new(self, new: list[Entry]) -> None:
        """Insert new findings with their sightings and their "first found" events."""
        with connection.cursor() as cursor:
            if self.is_postgresql:
                ids = self._copy_new(cursor, new)
            else:
                due, constants = self.due_today_db, self.constants
                cursor.executemany(
                    f"INSERT INTO {table(Finding)} ({columns(NEW_COLUMNS)}) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * len(NEW_COLUMNS))})",
                    [
                        (
                            fingerprint,
                            asset_id,
                            unit_id,
                            port,
                            due[values[0]],
                            *constants,
                            *values[:2],
                            protocol,
                            *values[2:],
                        )
                        for fingerprint, asset_id, unit_id, port, protocol, values in new
                    ],
                )
                # The import holds SQLite's write lock, so the rows got consecutive ids.
                cursor.execute("SELECT last_insert_rowid()")
                (last,) = cursor.fetchone()
                ids = list(range(last - len(new) + 1, last + 1))
        self.added.extend(ids)
        insert_for_ids(FindingSighting, SIGHTING_COLUMNS, ids, (self.now_db, self.scan_import_id))
        insert_for_ids(
            FindingEvent, EVENT_COLUMNS, ids, self._event(FindingEventKind.OPENED, FindingStatus.OPEN)
        )

    def _event(self, kind: str, status: str) -> tuple[Any, ...]:
        """The columns of a history row after the finding's."""
        return (str(kind), str(status), self.scan_import_id, self.actor, "", self.now_db)

    def _copy_new(self, cursor: Any, new: list[Entry]) -> list[int]:
        """COPY new findings into PostgreSQL; their ids, drawn first (COPY returns none)."""
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Finding._meta.db_table, len(new)],
        )
        ids = [finding_id for (finding_id,) in cursor.fetchall()]
        constants = "\t".join(copy_value(value) for value in self.constants)
        due = {severity: copy_value(value) for severity, value in self.due_today.items()}
        lines = (
            f"{finding_id}\t{fingerprint}\t{NULL if asset_id is None else asset_id}\t{unit_id}\t"
            f"{NULL if port is None else port}\t{due[values[0]]}\t{constants}\t{values[0]}\t"
            f"{NULL if values[1] is None else values[1]}\t{copy_texts((protocol, *values[2:]))}\n"
            for finding_id, (fingerprint, asset_id, unit_id, port, protocol, values) in zip(
                ids, new, strict=True
            )
        )
        copy_lines(cursor, Finding, ("id", *NEW_COLUMNS), lines)
        return ids

    def _scope_assignment(self) -> tuple[str, list[Any]]:
        """A scoped import takes over the findings it reports: the latest full scan of a
        finding decides when it is fixed."""
        if not self.scan_scope:
            return "", []
        return ", scan_scope = %s", [self.scan_scope]

    def _update_changed(self, rows: list[tuple[Any, ...]]) -> None:
        scope_sql, scope_params = self._scope_assignment()
        assignments = ", ".join(
            f"{connection.ops.quote_name(name)} = %s" for name in (*SCANNER_COLUMNS, "due_on")
        )
        statement = (
            f"UPDATE {table(Finding)} SET {assignments}, "  # noqa: S608 - names from the model
            f"updated_at = %s{scope_sql} WHERE id = %s"
        )
        tail = [self.now_db, *scope_params]
        with connection.cursor() as cursor:
            cursor.executemany(statement, [(*row[:-1], *tail, row[-1]) for row in rows])

    def _reopen(self, rows: list[tuple[Any, ...]]) -> None:
        scope_sql, scope_params = self._scope_assignment()
        assignments = ", ".join(
            f"{connection.ops.quote_name(name)} = %s" for name in (*SCANNER_COLUMNS, "due_on")
        )
        statement = (
            f"UPDATE {table(Finding)} SET {assignments}, status = %s, "  # noqa: S608 - names from the model
            "reopened_count = reopened_count + 1, opened_at = %s, fixed_at = NULL, "
            f"overdue_notified_on = NULL, updated_at = %s{scope_sql} WHERE id = %s"
        )
        tail = [FindingStatus.OPEN.value, self.now_db, self.now_db, *scope_params]
        with connection.cursor() as cursor:
            cursor.executemany(statement, [(*row[:-1], *tail, row[-1]) for row in rows])
        event = self._event(FindingEventKind.REOPENED, FindingStatus.OPEN)
        insert_for_ids(FindingEvent, EVENT_COLUMNS, [row[-1] for row in rows], event)

    def _move_sightings(self, ids: list[int], rescoped: list[int]) -> None:
        """Record that these known findings were seen again by this import, and move those
        `rescoped` to its scope."""
        sightings = table(FindingSighting)
        with connection.cursor() as cursor:
            moved = execute_for_ids(
                cursor,
                f"UPDATE {sightings} SET last_seen_at = %s, last_import_id = %s WHERE finding_id",  # noqa: S608
                [self.now_db, self.scan_import_id],
                ids,
            )
            if moved < len(ids):
                # A finding stored without its sighting (by hand in the database, say) gets one.
                execute_for_ids(
                    cursor,
                    f"INSERT INTO {sightings} ({columns(SIGHTING_COLUMNS)}) "  # noqa: S608
                    f"SELECT id, %s, %s FROM {table(Finding)} f WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {sightings} s WHERE s.finding_id = f.id) AND f.id",
                    [self.now_db, self.scan_import_id],
                    ids,
                )
            if rescoped:
                execute_for_ids(
                    cursor,
                    f"UPDATE {table(Finding)} SET scan_scope = %s WHERE id",  # noqa: S608
                    [self.scan_scope],
                    rescoped,
                )

    # After the last batch ---------------------------------------------------------------

    def _fix_absent(self, cursor: Any) -> int:
        """Mark the open and risk-accepted findings of the scope that this import did not
        report as fixed, with their history; how many."""
        cursor.execute(
            f"SELECT id FROM {table(Finding)} WHERE scan_scope = %s AND status IN (%s, %s)",  # noqa: S608
            [self.scan_scope, FindingStatus.OPEN.value, FindingStatus.RISK_ACCEPTED.value],
        )
        reported = set(self.added)
        reported.update(self.sighted)
        absent = sorted(finding_id for (finding_id,) in cursor.fetchall() if finding_id not in reported)
        if not absent:
            return 0
        insert_for_ids(
            FindingEvent, EVENT_COLUMNS, absent, self._event(FindingEventKind.FIXED, FindingStatus.FIXED)
        )
        return execute_for_ids(
            cursor,
            f"UPDATE {table(Finding)} SET status = %s, fixed_at = %s, updated_at = %s WHERE id",  # noqa: S608
            [FindingStatus.FIXED.value, self.now_db, self.now_db],
            absent,
        )

    def finish(self) -> WriteCounts:
        """For a scoped import, mark the findings of its scope it no longer reports as
        fixed; the import's counts."""
        if self.scan_scope:
            with connection.cursor() as cursor:
                self.counts.fixed = self._fix_absent(cursor)
        return self.counts
