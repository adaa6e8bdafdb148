"""Sealing deliveries of logs: counts from the engine's reader, malformed lines kept with
their numbers and never refused, consecutive leaves even under concurrent uploads, and
refusals (empty, binary, too large, out of reach) that leave nothing stored."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.http import Http404

from garrison.core.models import AuditEvent, Person, StoredFile
from garrison.logaudit.models import LogBatch, LogFormat, LogSource
from garrison.logaudit.services.ingest import ingest_batch, open_batch
from garrison.logaudit.services.sources import create_source
from tests.logaudit.test_sources_services import *  # noqa: F403
from tests.logaudit.test_sources_services import EVENTS, seal

pytestmark = pytest.mark.django_db

WITH_BAD_LINES = (
    b'{"time": "2026-01-05T10:00:00Z", "User": "root"}\n'
    b"this is not json\n"
    b'{"time": "2026-01-06T09:30:00+08:00", "User": "ops"}\n'
    b"{broken\n"
    b'{"time": "2026-01-07T08:00:00Z", "User": "ops"}\n'
)


def test_it_seals_a_batch_with_its_counts_and_times(log_source: LogSource, security_officer: Person) -> None:
    batch = seal(log_source, WITH_BAD_LINES, by=security_officer, filename="../../etc/day1.jsonl")
    assert batch.sequence == 0
    assert batch.filename == "day1.jsonl"
    assert (batch.line_count, batch.event_count, batch.malformed_count) == (5, 3, 2)
    assert [item["line"] for item in batch.malformed_lines] == [2, 4]
    assert all(item["reason"] for item in batch.malformed_lines)
    assert batch.first_event_at == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    assert batch.last_event_at == dt.datetime(2026, 1, 7, 8, tzinfo=dt.UTC)
    assert batch.size == len(WITH_BAD_LINES)
    assert batch.received_by == security_officer
    assert batch.stored_file is not None
    assert batch.sha256 == batch.stored_file.sha256
    with open_batch(batch) as stored:
        assert stored.read() == WITH_BAD_LINES
    assert AuditEvent.objects.filter(object_type="logaudit.logbatch", object_id=str(batch.pk)).count() == 1


def test_batches_take_consecutive_leaves_and_share_identical_content(log_source: LogSource) -> None:
    batches = [seal(log_source) for _ in range(3)]
    assert [batch.sequence for batch in batches] == [0, 1, 2]
    assert len({batch.stored_file_id for batch in batches}) == 1
    other = create_source(
        by=None, name="other", asset=log_source.asset, log_format=LogFormat.JSONL, owner=log_source.owner
    )
    assert seal(other).sequence == 0


def test_it_reads_an_upload_django_spooled_to_disk(log_source: LogSource) -> None:
    upload = TemporaryUploadedFile("big.jsonl", "application/json", len(EVENTS), None)
    upload.write(EVENTS)
    upload.seek(0)
    batch = ingest_batch(log_source, upload, filename="big.jsonl", by=None)
    assert (batch.filename, batch.event_count, batch.size) == ("big.jsonl", 2, len(EVENTS))
    upload.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03 compressed", "The file is binary"),
    ],
)
def test_it_refuses_an_empty_or_binary_file_and_stores_nothing(
    log_source: LogSource, content: bytes, message: str
) -> None:
    stored_before = StoredFile.objects.count()
    with pytest.raises(ValidationError) as refused:
        seal(log_source, content)
    assert refused.value.message_dict["file"][0].startswith(message)
    assert not LogBatch.objects.exists()
    assert StoredFile.objects.count() == stored_before


def test_it_refuses_a_file_over_the_limit(log_source: LogSource, settings: Any) -> None:
    settings.LOGAUDIT_MAX_BATCH_MEGABYTES = 1
    line = b'{"time": "2026-01-05T10:00:00Z", "message": "' + b"x" * 1000 + b'"}\n'
    content = line * 1100  # a little over 1 MB
    with pytest.raises(ValidationError) as refused:
        seal(log_source, content)
    assert refused.value.message_dict == {
        "file": ["The file is larger than the limit of 1 MB for a batch of logs."]
    }
    upload = SimpleUploadedFile("big.jsonl", content)
    with pytest.raises(ValidationError):
        ingest_batch(log_source, upload, filename="big.jsonl", by=None)
    assert not LogBatch.objects.exists()
    assert not StoredFile.objects.exists()


def test_only_people_who_may_change_the_source_deliver_to_it(
    log_source: LogSource, outsider: Person, auditor: Person
) -> None:
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            seal(log_source, by=person)
    assert not LogBatch.objects.exists()


def test_it_refuses_a_nameless_file(log_source: LogSource) -> None:
    with pytest.raises(ValidationError) as refused:
        seal(log_source, filename="/")
    assert "filename" in refused.value.message_dict


def test_a_pruned_batch_can_no_longer_be_opened(log_source: LogSource) -> None:
    batch = seal(log_source)
    LogBatch.objects.filter(pk=batch.pk).update(
        pruned_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), stored_file=None
    )
    batch.refresh_from_db()
    with pytest.raises(ValidationError, match="deleted under retention"):
        open_batch(batch)


def test_the_blob_is_stored_under_its_hash(log_source: LogSource) -> None:
    batch = seal(log_source)
    assert batch.stored_file is not None
    assert default_storage.exists(batch.stored_file.storage_name)
    assert batch.stored_file.storage_name.endswith(batch.sha256)


def test_a_delivery_that_finishes_first_takes_the_earlier_leaf(
    log_source: LogSource, monkeypatch: Any
) -> None:
    """The leaf is numbered under the source's lock when the batch is stored, not when its
    reading started: a second delivery finishing meanwhile takes leaf 0."""
    from garrison.logaudit.services import ingest

    real_inspect = ingest.inspect
    overtaken: list[LogBatch] = []
    calls: list[int] = []

    def inspect_while_another_arrives(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            overtaken.append(seal(log_source, EVENTS + b'{"n": 2}\n', filename="second.jsonl"))
        return real_inspect(*args, **kwargs)

    monkeypatch.setattr(ingest, "inspect", inspect_while_another_arrives)
    first = seal(log_source, filename="first.jsonl")
    assert (overtaken[0].sequence, first.sequence) == (0, 1)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database locks whole tables"
)
def test_concurrent_deliveries_get_distinct_leaves(
    transactional_db: Any, critical_system: Any, security_officer: Person
) -> None:
    source = create_source(
        by=None, name="busy", asset=critical_system, log_format=LogFormat.JSONL, owner=security_officer
    )
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def deliver(number: int) -> None:
        try:
            start.wait()
            content = EVENTS + f'{{"n": {number}}}\n'.encode()
            ingest_batch(source, io.BytesIO(content), filename=f"part-{number}.jsonl", by=None)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(LogBatch.objects.filter(source=source).values_list("sequence", flat=True))
    assert sequences == [0, 1, 2, 3]
