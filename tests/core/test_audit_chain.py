from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from garrison.core import audit
from garrison.core.models import AuditEvent
from garrison.core.services import org


def test_every_write_through_a_service_appends_a_chained_event(organisation: Any, owner: Any) -> None:
    before = AuditEvent.objects.count()
    org.update_person(owner, by=owner, job_title="Site director")
    event = AuditEvent.objects.order_by("-sequence").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert event.action == "update"
    assert event.changes == {"job_title": ["", "Site director"]}
    assert event.actor_id == owner.pk
    assert audit.verify_trail() == (event.sequence, None)


def test_an_update_that_changes_nothing_records_nothing(organisation: Any, owner: Any) -> None:
    before = AuditEvent.objects.count()
    org.update_person(owner, by=owner, job_title=owner.job_title)
    assert AuditEvent.objects.count() == before


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses the edit; tested separately"
)
def test_editing_an_event_in_sql_breaks_the_chain_at_that_event(organisation: Any, owner: Any) -> None:
    target = AuditEvent.objects.order_by("sequence")[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET object_repr = 'forged' WHERE sequence = %s", [target.sequence]
        )
    count, problem = audit.verify_trail()
    assert count == target.sequence - 1
    assert problem is not None
    assert problem.sequence == target.sequence
