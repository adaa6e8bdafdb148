"""Recording submissions: bad input leaves nothing, on time or late, the file kept with
its hash, everything audited."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from garrison.core.audit import history_of
from garrison.core.models import Attachment, AuditEvent
from garrison.incidents.models import Channel, Grade, ObligationStatus, Submission, TimelineKind
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.services import submissions as services
from tests.incidents.conftest import shanghai

NOW = shanghai(2026, 3, 2, 15, 0)


@pytest.fixture
def incident(make_incident: Any, handler: Any) -> Any:
    case = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    obligation_services.recompute_obligations(case, by=handler)
    return case


def initial_of(incident: Any) -> Any:
    return incident.obligations.get(code="initial:provincial_cyberspace_administration")


def test_a_submission_without_time_and_recipient_is_refused_and_nothing_is_saved(
    incident: Any, handler: Any
) -> None:
    obligation = initial_of(incident)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.record_submission(
            incident,
            by=handler,
            recipient="",
            channel=Channel.EMAIL,
            sent_at=None,
            obligation=obligation,
            upload=SimpleUploadedFile("report.pdf", b"%PDF-1.4 report"),
            now=NOW,
        )
    messages = error.value.message_dict
    assert messages["recipient"] == ["A submission needs the time it was sent and its recipient."]
    assert messages["sent_at"] == ["A submission needs the time it was sent and its recipient."]
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.PENDING
    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()
    assert not incident.timeline.exists()
    assert AuditEvent.objects.count() == events


def test_a_submission_cannot_be_sent_in_the_future(incident: Any, handler: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.record_submission(
            incident,
            by=handler,
            recipient="CAC",
            channel=Channel.EMAIL,
            sent_at=shanghai(2026, 3, 2, 16),
            now=NOW,
        )
    assert "sent_at" in error.value.message_dict


def test_the_obligation_must_belong_to_the_case(incident: Any, make_incident: Any, handler: Any) -> None:
    other = make_incident(proposed_grade=Grade.RELATIVELY_MAJOR)
    obligation_services.recompute_obligations(other, by=handler)
    with pytest.raises(ValidationError) as error:
        services.record_submission(
            incident,
            by=handler,
            recipient="CAC",
            channel=Channel.EMAIL,
            sent_at=shanghai(2026, 3, 2, 12),
            obligation=initial_of(other),
            now=NOW,
        )
    assert "obligation" in error.value.message_dict
    assert initial_of(other).status == ObligationStatus.PENDING


def test_a_submission_on_time_marks_the_obligation_and_keeps_the_file_with_its_hash(
    incident: Any, handler: Any
) -> None:
    content = b"%PDF-1.4 initial report"
    submission = services.record_submission(
        incident,
        by=handler,
        recipient="Beijing Cyberspace Administration",
        channel=Channel.ONLINE_PLATFORM,
        sent_at=shanghai(2026, 3, 2, 12, 40),
        obligation=initial_of(incident),
        receipt="BJ-2026-0042",
        upload=SimpleUploadedFile("initial.pdf", content, content_type="application/pdf"),
        now=NOW,
    )
    obligation = initial_of(incident)
    assert obligation.status == ObligationStatus.SUBMITTED
    assert obligation.satisfied_at == shanghai(2026, 3, 2, 12, 40)
    assert obligation_services.was_on_time(obligation) is True
    assert submission.file is not None
    assert submission.file.stored_file.sha256 == hashlib.sha256(content).hexdigest()
    assert submission.file.unit == incident.unit
    created = history_of(submission).get(action="create")
    assert created.changes["on_time"] == [None, True]
    assert created.changes["sha256"][1] == hashlib.sha256(content).hexdigest()
    assert history_of(obligation).filter(action="update").exists()
    entry = incident.timeline.get()
    assert entry.kind == TimelineKind.COMMUNICATION
    assert "BJ-2026-0042" in entry.description


def test_a_submission_after_the_deadline_is_late(incident: Any, handler: Any) -> None:
    services.record_submission(
        incident,
        by=handler,
        recipient="Beijing Cyberspace Administration",
        channel=Channel.EMAIL,
        sent_at=shanghai(2026, 3, 2, 13, 5),
        obligation=initial_of(incident),
        now=NOW,
    )
    assert obligation_services.was_on_time(initial_of(incident)) is False


def test_someone_who_cannot_change_the_case_cannot_record(incident: Any, outsider: Any, auditor: Any) -> None:
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            services.record_submission(
                incident,
                by=person,
                recipient="CAC",
                channel=Channel.EMAIL,
                sent_at=shanghai(2026, 3, 2, 12),
                now=NOW,
            )
    assert not Submission.objects.exists()
