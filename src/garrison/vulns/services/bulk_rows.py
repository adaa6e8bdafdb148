"""Writing many plain rows fast, on SQLite and on PostgreSQL, for imports.

On PostgreSQL rows go in by COPY, in its text format, written here rather than by the
driver: the driver converts each value on its own, which for a hundred thousand findings of
some forty columns costs more than the server's work of storing them. Values that are the
same for every row of an import are formatted once. On SQLite, rows go in by executemany.
Statements over many ids take them as one array on PostgreSQL and as chunks of
parameters on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

# Ids per statement: SQLite binds each one (at most 32,766 parameters); PostgreSQL takes
# them as one array parameter.
ID_CHUNK = 5000
ARRAY_CHUNK = 50_000
# Rows formatted before they are sent to COPY.
COPY_CHUNK = 200
# COPY's text format: a tab between columns, a newline after each row, \N for NULL.
NULL = "\\N"
# Joins a row's texts before they are escaped together; no stored text can hold it
# (PostgreSQL refuses NUL in text).
JOINER = "\x00"

# SQLite's page cache while an import writes (KiB; its default is 2 MiB): the unique index
# of fingerprints and the other indexes of a large findings table no longer fit the default
# cache, and every insert then reads and writes index pages again.
SQLITE_CACHE_KIB = 131_072


@contextmanager
def bulk_writing() -> Iterator[None]:
    """Database settings for writing an import, restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def columns(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def chunked(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def copy_texts(texts: Sequence[str]) -> str:
    """`texts` as consecutive columns of a COPY text row: escaped together, in a few passes
    over one string rather than one conversion per value."""
    joined = JOINER.join(texts)
    if joined.count(JOINER) != len(texts) - 1:
        raise ValueError("A text holds a NUL character, which the database cannot store.")
    if "\\" in joined:
        joined = joined.replace("\\", "\\\\")
    if "\n" in joined:
        joined = joined.replace("\n", "\\n")
    if "\r" in joined:
        joined = joined.replace("\r", "\\r")
    if "\t" in joined:
        joined = joined.replace("\t", "\\t")
    return joined.replace(JOINER, "\t")


def copy_value(value: Any) -> str:
    """One value in COPY's text format (texts go through copy_texts)."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return copy_texts((value,))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def copy_lines(cursor: Any, model: Any, names: Sequence[str], lines: Iterable[str]) -> None:
    """COPY rows formatted as they go (each ending in a newline) into `model`'s table.

    They are sent a few hundred at a time, so that the server stores them while the next
    ones are formatted."""
    with cursor.cursor.copy(f"COPY {table(model)} ({columns(names)}) FROM STDIN") as copy:
        write = copy.write
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= COPY_CHUNK:
                write("".join(chunk))
                chunk.clear()
        if chunk:
            write("".join(chunk))


def insert_rows(model: Any, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_lines(
                cursor, model, names, ("\t".join([copy_value(value) for value in row]) + "\n" for row in rows)
            )
            return
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {table(model)} ({columns(names)}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


def insert_for_ids(model: Any, names: Sequence[str], ids: Sequence[int], constants: Sequence[Any]) -> None:
    """Insert a row (id, *constants) for each of `ids` (the first of `names` takes the id):
    the sightings and history rows an import writes for many findings at once."""
    if not ids:
        return
    if connection.vendor != "postgresql":
        insert_rows(model, names, [(row_id, *constants) for row_id in ids])
        return
    tail = "\t".join([copy_value(value) for value in constants])
    with connection.cursor() as cursor:
        copy_lines(cursor, model, names, (f"{row_id}\t{tail}\n" for row_id in ids))


def execute_for_ids(cursor: Any, statement: str, params: list[Any], ids: Sequence[int]) -> int:
    """Run `statement`, which ends in "WHERE <column>", for `ids`, in chunks; the number of
    rows it changed."""
    changed = 0
    if connection.vendor == "postgresql":
        for chunk in chunked(ids, ARRAY_CHUNK):
            # An array literal: the driver adapts a list element by element, in Python.
            literal = "{" + ",".join(map(str, chunk)) + "}"
            cursor.execute(f"{statement} = ANY(%s::bigint[])", [*params, literal])
            changed += cursor.rowcount
        return changed
    for chunk in chunked(ids, ID_CHUNK):
        cursor.execute(f"{statement} IN ({', '.join(['%s'] * len(chunk))})", [*params, *chunk])
        changed += cursor.rowcount
    return changed
