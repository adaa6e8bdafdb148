"""`garrison audit-trail verify`: intact trails pass, any edit or deletion in SQL is named."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from garrison.core import audit
from garrison.core.models import AuditEvent
from garrison.core.services import org

only_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's trigger refuses the tampering itself"
)
only_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


def verify() -> tuple[int, str, str]:
    """Run the command; its exit status, standard output and standard error."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_trail", "verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def activity(organisation: Any, owner: Any, colleague: Any) -> int:
    org.update_person(colleague, by=owner, job_title="Network engineer")
    org.update_unit(organisation.beijing_ops, by=owner, description="Runs the Beijing halls")
    count = AuditEvent.objects.count()
    assert count >= 8
    return count


def execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_reports_an_intact_trail_with_its_number_of_events(activity: int) -> None:
    status, out, err = verify()
    assert status == 0
    assert out.strip() == f"audit trail intact: {activity} events"
    assert err == ""


def test_an_empty_trail_is_intact(db: Any) -> None:
    status, out, _err = verify()
    assert status == 0
    assert out.strip() == "audit trail intact: 0 events"


@only_sqlite
def test_it_names_an_event_whose_row_was_edited_in_sql(activity: int) -> None:
    execute("UPDATE core_auditevent SET reason = 'nothing happened' WHERE sequence = %s", [5])
    status, out, err = verify()
    assert status == 1
    assert out == ""
    assert "audit trail broken at event #5: its content does not match its hash (the row was edited)" in err


@only_sqlite
def test_it_names_an_event_whose_hash_was_recomputed_after_an_edit(activity: int) -> None:
    event = AuditEvent.objects.get(sequence=3)
    forged = {name: getattr(event, name) for name in ("sequence", "occurred_at", "action", "object_type")}
    forged.update(
        {
            "actor_id": event.actor_id,
            "actor_label": "someone else",
            "object_id": event.object_id,
            "object_repr": event.object_repr,
            "changes": event.changes,
            "reason": event.reason,
            "request_id": event.request_id,
            "source_ip": event.source_ip,
            "scope_path": event.scope_path,
            "previous_hash": event.previous_hash,
        }
    )
    new_hash = audit.chain.event_hash(forged)
    execute(
        "UPDATE core_auditevent SET actor_label = 'someone else', hash = %s WHERE sequence = 3", [new_hash]
    )
    status, _out, err = verify()
    assert status == 1
    assert "audit trail broken at event #4: its previous hash does not match the event before it" in err


@only_sqlite
def test_it_names_the_missing_sequence_when_a_middle_row_is_deleted(activity: int) -> None:
    execute("DELETE FROM core_auditevent WHERE sequence = %s", [4])
    status, _out, err = verify()
    assert status == 1
    assert "audit trail broken at event #4: event #4 is missing" in err
    assert "3 events before it verified" in err


@only_sqlite
def test_it_notices_the_newest_row_deleted_through_the_chain_head(activity: int) -> None:
    execute("DELETE FROM core_auditevent WHERE sequence = %s", [activity])
    status, _out, err = verify()
    assert status == 1
    assert f"audit trail broken at event #{activity}" in err
    assert f"the chain head records {activity} events but {activity - 1} exist" in err


@only_postgresql
def test_postgresql_refuses_to_update_an_audit_event(activity: int) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("UPDATE core_auditevent SET reason = 'forged' WHERE sequence = %s", [2])
    assert AuditEvent.objects.get(sequence=2).reason == ""
    assert verify()[0] == 0


@only_postgresql
def test_postgresql_refuses_to_delete_an_audit_event(activity: int) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("DELETE FROM core_auditevent WHERE sequence = %s", [activity])
    assert AuditEvent.objects.count() == activity
    status, out, _err = verify()
    assert (status, out.strip()) == (0, f"audit trail intact: {activity} events")


@only_postgresql
def test_postgresql_refuses_to_truncate_the_audit_trail(activity: int) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("TRUNCATE core_auditevent", [])
    assert AuditEvent.objects.count() == activity


def test_verification_reads_the_trail_in_batches_not_row_by_row(
    activity: int, owner: Any, django_assert_max_num_queries: Any
) -> None:
    audit.record_many(
        audit.PendingEvent(action="update", object_type="core.person", object_id=str(n), actor=owner)
        for n in range(12_000)
    )
    # 12,000+ events in batches of 5,000: the chain head, three batches and the empty end.
    with django_assert_max_num_queries(6):
        count, problem = audit.verify_trail()
    assert problem is None
    assert count == activity + 12_000
