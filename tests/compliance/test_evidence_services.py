"""Evidence services: stored files with their hash, versions, validity, refusals that
leave nothing behind, scoping, deletion rules and evidence requests."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from garrison.compliance.models import (
    ControlTest,
    Evidence,
    EvidenceKind,
    EvidenceRequest,
    EvidenceVersion,
    RequestStatus,
)
from garrison.compliance.models import (
    TestMethod as ControlTestMethod,
)
from garrison.compliance.services import evidence as services
from garrison.core.models import Attachment, AuditEvent, Notification, StoredFile
from tests.compliance.evidence_support import *  # noqa: F403
from tests.compliance.evidence_support import NMAP_REPORT, TRIVY_REPORT, days, upload


def test_it_records_the_sha256_of_the_stored_file(file_evidence: Evidence) -> None:
    version = file_evidence.current_version
    assert version is not None
    assert version.number == 1
    expected = hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()
    assert version.sha256 == expected
    assert version.attachment is not None
    assert version.attachment.stored_file.sha256 == expected
    assert version.attachment.unit_id == file_evidence.unit_id
    assert version.attachment.filename == NMAP_REPORT.name
    assert file_evidence.reference.startswith("EVD-")
    assert file_evidence.valid_until == days(200)
    assert default_storage.exists(version.attachment.stored_file.storage_name)


def test_it_stores_the_same_content_once(file_evidence: Evidence, evidence_manager: Any) -> None:
    services.add_version(file_evidence, by=evidence_manager, file=upload(), note="Same scan again")
    assert StoredFile.objects.filter(sha256=hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()).count() == 1
    assert Attachment.objects.filter(object_id=str(file_evidence.pk)).count() == 2


def test_versions_are_numbered_and_the_newest_is_current(
    file_evidence: Evidence, evidence_manager: Any
) -> None:
    second = services.add_version(
        file_evidence, by=evidence_manager, file=upload(TRIVY_REPORT, "application/json"), valid_until=days(5)
    )
    third = services.add_version(file_evidence, by=evidence_manager, file=upload(), valid_until=days(90))
    assert (second.number, third.number) == (2, 3)
    file_evidence.refresh_from_db()
    assert file_evidence.current_version_id == third.pk
    assert file_evidence.valid_until == days(90)
    assert list(file_evidence.versions.values_list("number", flat=True)) == [3, 2, 1]


@pytest.mark.parametrize(
    ("valid_until", "state"),
    [(None, "valid"), (31, "valid"), (30, "expiring"), (0, "expiring"), (-1, "expired")],
)
def test_validity_follows_the_end_date(valid_until: int | None, state: str) -> None:
    end = days(valid_until) if valid_until is not None else None
    assert services.validity_of(end) == state


def test_the_validity_filter_matches_the_badge(file_evidence: Evidence, evidence_manager: Any) -> None:
    services.add_version(file_evidence, by=evidence_manager, file=upload(), valid_until=days(-1))
    queryset = Evidence.objects.all()
    assert list(services.with_validity(queryset, "expired")) == [file_evidence]
    assert not services.with_validity(queryset, "valid").exists()


def test_a_period_ending_before_it_starts_is_refused_and_stores_nothing(
    organisation: Any, evidence_manager: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_evidence(
            by=evidence_manager,
            name="Backwards",
            unit=organisation.beijing,
            owner=evidence_manager,
            file=upload(),
            valid_from=days(10),
            valid_until=days(1),
        )
    assert "valid_until" in error.value.message_dict
    assert not Evidence.objects.exists()
    assert not StoredFile.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        (EvidenceKind.FILE, {"file": None}, "file"),
        (EvidenceKind.FILE, {"file": SimpleUploadedFile("empty.txt", b"")}, "file"),
        (EvidenceKind.LINK, {"file": None, "url": "ftp://files.example.com/report"}, "url"),
        (EvidenceKind.LINK, {"file": None, "url": "javascript:alert(1)"}, "url"),
        (EvidenceKind.LINK, {"url": "https://wiki.example.com/report"}, "file"),
    ],
)
def test_bad_content_is_refused_naming_the_field(
    organisation: Any, evidence_manager: Any, kind: str, changes: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"file": upload(), "url": "", **changes}
    with pytest.raises(ValidationError) as error:
        services.create_evidence(
            by=evidence_manager,
            name="Bad",
            unit=organisation.beijing,
            owner=evidence_manager,
            kind=kind,
            **arguments,
        )
    assert field in error.value.message_dict
    assert not Evidence.objects.exists()
    assert not StoredFile.objects.exists()


def test_a_file_over_the_upload_limit_is_refused(
    organisation: Any, evidence_manager: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_MEGABYTES = 1
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as error:
        services.create_evidence(
            by=evidence_manager, name="Big", unit=organisation.beijing, owner=evidence_manager, file=big
        )
    assert "file" in error.value.message_dict
    assert not StoredFile.objects.exists()


def test_a_link_version_keeps_the_address(organisation: Any, evidence_manager: Any) -> None:
    evidence = services.create_evidence(
        by=evidence_manager,
        name="Access review minutes",
        unit=organisation.beijing,
        owner=evidence_manager,
        kind=EvidenceKind.LINK,
        url="https://wiki.example.com/access-review",
    )
    version = evidence.current_version
    assert version is not None
    assert (version.url, version.sha256, version.attachment_id) == (
        "https://wiki.example.com/access-review",
        "",
        None,
    )


def test_a_failing_database_write_removes_the_blob_it_stored(
    organisation: Any, evidence_manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "create_record", broken)
    with pytest.raises(RuntimeError):
        services.create_evidence(
            by=evidence_manager, name="Half", unit=organisation.beijing, owner=evidence_manager, file=upload()
        )
    sha256 = hashlib.sha256(NMAP_REPORT.read_bytes()).hexdigest()
    assert not StoredFile.objects.exists()
    assert not default_storage.exists(StoredFile(sha256=sha256, size=0).storage_name)
    assert not Evidence.objects.exists()


def test_a_manager_cannot_create_evidence_in_another_unit(organisation: Any, evidence_manager: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_evidence(
            by=evidence_manager,
            name="Elsewhere",
            unit=organisation.shanghai,
            owner=evidence_manager,
            file=upload(),
        )
    assert "unit" in error.value.message_dict
    assert not Evidence.objects.exists()


def test_moving_evidence_moves_its_files(
    file_evidence: Evidence, organisation: Any, make_person: Any
) -> None:
    from garrison.core.roles import Role

    head = make_person("head", organisation.root, (Role.COMPLIANCE_MANAGER, organisation.root))
    services.update_evidence(file_evidence, by=head, unit=organisation.shanghai, reason="Site handover")
    version = EvidenceVersion.objects.get(evidence=file_evidence)
    assert version.attachment is not None
    assert version.attachment.unit_id == organisation.shanghai.pk
    assert AuditEvent.objects.filter(object_type="core.attachment", action="update").exists()


def test_evidence_cited_by_a_control_test_cannot_be_deleted(
    file_evidence: Evidence, evidence_manager: Any, beijing_control: Any
) -> None:
    test = ControlTest.objects.create(
        control=beijing_control, due_on=days(3), method=ControlTestMethod.INSPECTION
    )
    test.evidence.add(file_evidence)
    with pytest.raises(ValidationError):
        services.delete_evidence(file_evidence, by=evidence_manager)
    assert Evidence.objects.filter(pk=file_evidence.pk).exists()


def test_deleting_unused_evidence_removes_its_files(file_evidence: Evidence, evidence_manager: Any) -> None:
    sha256 = file_evidence.versions.get().sha256
    services.delete_evidence(file_evidence, by=evidence_manager, reason="Uploaded to the wrong place")
    assert not Evidence.objects.exists()
    assert not Attachment.objects.exists()
    assert not StoredFile.objects.filter(sha256=sha256).exists()


def test_a_request_tells_the_assignee_and_fulfilling_adds_a_version(
    file_evidence: Evidence, evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager,
        assignee=colleague,
        title="This quarter's port scan",
        due_on=days(14),
        unit=organisation.beijing,
        evidence=file_evidence,
    )
    assert Notification.objects.filter(recipient=colleague, kind="compliance.evidence-requested").count() == 1
    version = services.fulfil_request(request, by=colleague, file=upload(TRIVY_REPORT), valid_until=days(100))
    request.refresh_from_db()
    assert (request.status, request.evidence_id, version.number) == (
        RequestStatus.FULFILLED,
        file_evidence.pk,
        2,
    )
    assert request.fulfilled_at is not None
    assert Notification.objects.filter(
        recipient=evidence_manager, kind="compliance.evidence-request-fulfilled"
    ).exists()
    with pytest.raises(ValidationError):
        services.fulfil_request(request, by=colleague, file=upload())


def test_fulfilling_a_request_without_evidence_creates_it_for_the_control(
    evidence_manager: Any, colleague: Any, organisation: Any, beijing_control: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager,
        assignee=colleague,
        title="Restore test report",
        due_on=days(7),
        unit=organisation.beijing,
        control=beijing_control,
    )
    services.fulfil_request(request, by=colleague, url="https://wiki.example.com/restore-test")
    evidence = Evidence.objects.get()
    assert (evidence.owner, evidence.kind, evidence.name) == (
        colleague,
        EvidenceKind.LINK,
        "Restore test report",
    )
    assert list(evidence.controls.all()) == [beijing_control]


def test_a_cancelled_request_cannot_be_fulfilled(
    evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    request = services.request_evidence(
        by=evidence_manager, assignee=colleague, title="Minutes", due_on=days(7), unit=organisation.beijing
    )
    services.cancel_request(request, by=evidence_manager, reason="Not needed")
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.fulfil_request(request, by=colleague, url="https://example.com/x")
    assert not Evidence.objects.exists()


def test_a_request_due_in_the_past_is_refused(
    evidence_manager: Any, colleague: Any, organisation: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.request_evidence(
            by=evidence_manager, assignee=colleague, title="Late", due_on=days(-1), unit=organisation.beijing
        )
    assert "due_on" in error.value.message_dict
    assert not EvidenceRequest.objects.exists()
    assert timezone.localdate()  # the fixture's clock is the real one
