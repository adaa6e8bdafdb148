"""Reading a scanner file: the first phase of an import, before anything is written.

The parser's records are spooled to a temporary file on disk in marshalled batches (plain
tuples of texts and numbers, which marshal writes several times faster than pickle), so that a
file that turns out to be cut short or malformed halfway fails before the database is
touched, and memory holds one batch however large the file. The hosts are gathered in a
HostCatalogue (a few per thousand findings); rejected records are counted and the first
ones kept with their reason in words. Text a scan repeats on every host (a plugin's
description and solution, its references) is kept once: the spooled batches and the
batches read back share one string per distinct text.
"""

from __future__ import annotations

import io
import marshal
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from garrison.vulns.parsers import HEAD_SIZE, detect, parser_for
from garrison.vulns.parsers.base import ParsedFinding, ParseError, Problem, RejectedRecord, ScannedHost
from garrison.vulns.services.hosts import HostCatalogue
from garrison.vulns.services.import_writing import RECORD_FIELDS, record_of

BATCH_SIZE = 5000
# Rejected records kept on the import for the person to fix; the rest are only counted.
REJECTIONS_KEPT = 100
# Distinct texts remembered for sharing; past this the memory is handed back and sharing
# starts over (a file of unique texts gains nothing from it).
SHARED_TEXTS_LIMIT = 200_000
SHARED_POSITIONS = tuple(RECORD_FIELDS.index(name) for name in ("title", "description", "solution"))
MARSHAL_VERSION = 4
MARSHALLED, PICKLED = b"M", b"P"
# Progress is written at most this often (seconds): each write is a statement.
PROGRESS_INTERVAL = 0.5


def max_import_bytes() -> int:
    return int(settings.VULNS_MAX_IMPORT_MEGABYTES) * 1024 * 1024


def problem_reason(problem: Problem | str, detail: str = "", *, file_format: str = "") -> str:
    """Why a file or a record cannot be used, in words of the active language."""
    reasons = {
        Problem.NOT_WELL_FORMED: _("the file is not well-formed"),
        Problem.TRUNCATED: _("the file ends before its last element or value is complete (is it cut short?)"),
        Problem.WRONG_FORMAT: (
            _("the file is not in the %(format)s format") % {"format": file_format}
            if file_format
            else _("the file is not in the chosen format")
        ),
        Problem.FORBIDDEN_CONSTRUCT: _(
            "the file declares a DTD, entities or external references, which are refused for safety"
        ),
        Problem.UNKNOWN_FORMAT: _("no scanner format recognises this file; choose its format explicitly"),
        Problem.TOO_LARGE: _("the file is larger than the limit of %(limit)s MB")
        % {"limit": settings.VULNS_MAX_IMPORT_MEGABYTES},
        Problem.MISSING_VALUE: _("a value every finding needs is missing"),
        Problem.BAD_VALUE: _("a value cannot be right"),
    }
    try:
        reason = reasons[Problem(problem)]
    except ValueError:
        reason = _("the file cannot be read")
    return f"{reason} ({detail})" if detail else reason


@dataclass
class Spool:
    """The records of one file, read and checked, waiting on disk to be written."""

    hosts: HostCatalogue = field(default_factory=HostCatalogue)
    findings: int = 0
    rejected: int = 0
    rejections: list[dict[str, str]] = field(default_factory=list)
    file_format: str = ""
    # Closed by close() or on leaving the `with` block, like the file object it is.
    _file: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile(prefix="garrison-import-"))  # noqa: SIM115
    _batches: int = 0

    def write(self, batch: list[tuple[Any, ...]]) -> None:
        try:
            data = MARSHALLED + marshal.dumps(batch, MARSHAL_VERSION)
        except ValueError:
            # A value marshal does not know (a str subclass from a caller's records, say).
            data = PICKLED + pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(len(data).to_bytes(8, "little"))
        self._file.write(data)
        self._batches += 1

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        self._file.seek(0)
        for _number in range(self._batches):
            data = self._file.read(int.from_bytes(self._file.read(8), "little"))
            # Our own spool, written just before.
            if data[:1] == MARSHALLED:
                yield marshal.loads(data[1:])  # noqa: S302
            else:
                yield pickle.loads(data[1:])  # noqa: S301

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def spool_records(records: Iterable[Any]) -> Spool:
    """Check and spool parsed records (ParsedFinding, ScannedHost, RejectedRecord); a
    ParseError raised while they are produced propagates, the spool closed."""
    spool = Spool()
    shared: dict[str, str] = {}
    share = shared.setdefault
    title_at, description_at, solution_at = SHARED_POSITIONS
    batch: list[tuple[Any, ...]] = []
    note_host = spool.hosts.note
    last_address = ""
    last_names: tuple[str, ...] = ()
    try:
        for record in records:
            if isinstance(record, ParsedFinding):
                values = list(record_of(record))
                values[title_at] = share(values[title_at], values[title_at])
                values[description_at] = share(values[description_at], values[description_at])
                values[solution_at] = share(values[solution_at], values[solution_at])
                # A scanner lists a host's findings one after the other: note it once.
                address = record.host
                if address and (address != last_address or record.host_names != last_names):
                    last_address, last_names = address, record.host_names
                    note_host(address, last_names)
                batch.append(tuple(values))
                if len(batch) >= BATCH_SIZE:
                    spool.write(batch)
                    spool.findings += len(batch)
                    batch = []
                    if len(shared) > SHARED_TEXTS_LIMIT:
                        shared.clear()
            elif isinstance(record, ScannedHost):
                note_host(record.address, record.names, record.operating_system)
                last_address, last_names = "", ()
            elif isinstance(record, RejectedRecord):
                spool.rejected += 1
                if len(spool.rejections) < REJECTIONS_KEPT:
                    spool.rejections.append(
                        {"where": record.where, "reason": problem_reason(record.problem, record.detail)}
                    )
        if batch:
            spool.write(batch)
            spool.findings += len(batch)
    except BaseException:
        spool.close()
        raise
    return spool


class ProgressStream(io.RawIOBase):
    """A binary stream counting what the parser read from it: reports the share read and
    refuses to read past the size limit (a stream may be longer than it claimed)."""

    def __init__(
        self, raw: IO[bytes], *, size: int, limit: int, report: Callable[[int], None] | None
    ) -> None:
        self._raw = raw
        self._size = max(size, 1)
        self._limit = limit
        self._report = report
        self._read = 0
        self._last_percent = -1
        self._last_time = 0.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self._read += count
        if self._read > self._limit:
            raise ParseError(Problem.TOO_LARGE)
        if self._report is not None:
            percent = min(99, self._read * 100 // self._size)
            now = time.monotonic()
            if percent > self._last_percent and now - self._last_time >= PROGRESS_INTERVAL:
                self._last_percent, self._last_time = percent, now
                self._report(percent)
        return count


def read_file(
    stream: IO[bytes],
    *,
    filename: str,
    size: int,
    requested_format: str = "auto",
    report: Callable[[int], None] | None = None,
) -> Spool:
    """Detect the format (unless requested), parse `stream` and spool its records.

    Raises ParseError naming where and why when the file is too large or cannot be read;
    `report` receives the percentage read now and then.
    """
    limit = max_import_bytes()
    if size > limit:
        raise ParseError(Problem.TOO_LARGE, where=filename)
    file_format = requested_format
    if not file_format or file_format == "auto":
        head = stream.read(HEAD_SIZE)
        stream.seek(0)
        file_format = detect(head, filename)
    counted = io.BufferedReader(ProgressStream(stream, size=size, limit=limit, report=report), 1024 * 1024)
    spool = spool_records(parser_for(file_format).parse(counted, filename))
    spool.file_format = file_format
    return spool
