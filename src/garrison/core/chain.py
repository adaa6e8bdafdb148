"""Canonical form and hashing of audit events. Pure module: no Django import.

The canonical form is JSON with sorted keys, no insignificant white space, UTF-8,
and every value reduced to strings, integers, booleans, null, lists and objects,
so the same event hashes the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "request_id",
    "source_ip",
    "scope_path",
    "previous_hash",
)


def to_jsonable(value: Any) -> Any:
    """Reduce a field value to what survives a JSON round trip unchanged on any database."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)  # floats and decimals keep their exact digits as text
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(to_jsonable(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical form of the hashed fields (previous hash included)."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


def verify(
    events: Iterable[Mapping[str, Any]], head_sequence: int | None = None, head_hash: str | None = None
) -> tuple[int, ChainProblem | None]:
    """Walk events in sequence order; return how many were checked and the first problem.

    `head_sequence`/`head_hash` come from the separately kept chain head and catch
    events removed from the end.
    """
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    count = 0
    for event in events:
        sequence = int(event["sequence"])
        if sequence != expected_sequence:
            return count, ChainProblem(expected_sequence, f"event #{expected_sequence} is missing")
        if event["previous_hash"] != expected_previous:
            return count, ChainProblem(sequence, "its previous hash does not match the event before it")
        if event_hash(event) != event["hash"]:
            return count, ChainProblem(sequence, "its content does not match its hash (the row was edited)")
        expected_previous = event["hash"]
        expected_sequence += 1
        count += 1
    if head_sequence is not None and head_sequence != count:
        return count, ChainProblem(
            count + 1, f"the chain head records {head_sequence} events but {count} exist"
        )
    if head_hash is not None and count and head_hash != expected_previous:
        return count, ChainProblem(count, "the newest event's hash differs from the chain head")
    return count, None
