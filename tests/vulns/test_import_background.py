"""Uploads imported in the background: queued once stored, run by the job after commit,
progress written while the file is read, the importer told how it went."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from garrison.core.models import Attachment, Notification
from garrison.vulns import tasks_imports
from garrison.vulns.models import Finding, ImportStatus, ScanImport
from garrison.vulns.services import import_reading, importing
from garrison.vulns.services.importing import ImportRejected, run_import, start_import

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db

NESSUS = SAMPLES / "nessus/nessus_with_cvssv3.nessus"


def upload(data: bytes | None = None, name: str = "scan.nessus") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, NESSUS.read_bytes() if data is None else data)


def test_an_upload_is_stored_queued_and_imported_after_commit(
    organisation: Any, security_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = start_import(
            upload(), filename="scan.nessus", by=security_officer, unit=organisation.beijing
        )
    assert (queued.status, queued.progress, queued.reference) == (
        ImportStatus.QUEUED,
        0,
        f"IMP-{queued.pk:06d}",
    )
    attachment = queued.source_file
    assert attachment is not None
    assert (attachment.filename, attachment.unit, attachment.domain) == (
        "scan.nessus",
        organisation.beijing,
        "vulns",
    )
    assert queued.size == NESSUS.stat().st_size
    assert Finding.objects.count() == 0
    assert len(callbacks) == 1
    callbacks[0]()
    done = ScanImport.objects.get(pk=queued.pk)
    assert (done.status, done.new_count, done.progress, done.detected_format) == (
        ImportStatus.DONE,
        48,
        100,
        "nessus",
    )
    assert done.started_at is not None
    assert done.finished_at is not None
    told = Notification.objects.get(recipient=security_officer, kind="vulns.import-finished")
    assert told.title == "scan.nessus is imported"
    assert told.body.startswith(
        "48 new, 0 still open, 0 reopened, 0 fixed, 0 unchanged, 0 rejected records; 1 hosts"
    )


def test_a_failed_upload_tells_the_importer_why_and_changes_nothing(
    organisation: Any, security_officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = start_import(
            upload(NESSUS.read_bytes()[:3000], "cut.nessus"),
            filename="cut.nessus",
            by=security_officer,
            unit=organisation.beijing,
        )
    failed = ScanImport.objects.get(pk=queued.pk)
    assert failed.status == ImportStatus.FAILED
    assert failed.error.startswith("cut.nessus, line ")
    assert Finding.objects.count() == 0
    told = Notification.objects.get(recipient=security_officer, kind="vulns.import-failed")
    assert (told.title, told.body) == ("cut.nessus could not be imported", failed.error)


def test_the_error_is_written_in_the_importers_language(
    organisation: Any, make_person: Any, monkeypatch: Any
) -> None:
    from garrison.core.roles import Role

    chinese = make_person("wang", organisation.beijing, Role.SECURITY_OFFICER, language="zh-hans")
    queued = start_import(
        upload(b"not a scan", "x.txt"), filename="x.txt", by=chinese, unit=organisation.beijing
    )
    languages: list[str | None] = []
    real = importing._file_message

    def spy(*args: Any, **kwargs: Any) -> str:
        languages.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "_file_message", spy)
    assert run_import(queued).status == ImportStatus.FAILED
    assert languages == ["zh-hans"]


def test_progress_is_written_while_the_file_is_read(
    organisation: Any, security_officer: Any, monkeypatch: Any
) -> None:
    queued = start_import(upload(), filename="scan.nessus", by=security_officer, unit=organisation.beijing)
    monkeypatch.setattr(import_reading, "PROGRESS_INTERVAL", 0)
    seen: list[tuple[int, str]] = []
    real = importing._report_progress

    def watching(scan_import: ScanImport) -> Any:
        report = real(scan_import)

        def record(percent: int) -> None:
            report(percent)
            stored = ScanImport.objects.get(pk=scan_import.pk)
            seen.append((stored.progress, stored.status))

        return record

    monkeypatch.setattr(importing, "_report_progress", watching)
    run_import(queued)
    assert seen
    assert [percent for percent, _status in seen] == sorted({percent for percent, _status in seen})
    assert all(0 < percent <= 99 and status == ImportStatus.READING for percent, status in seen)
    assert ScanImport.objects.get(pk=queued.pk).progress == 100


def test_running_an_import_twice_imports_it_once(organisation: Any, security_officer: Any) -> None:
    queued = start_import(upload(), filename="scan.nessus", by=security_officer, unit=organisation.beijing)
    assert run_import(queued).status == ImportStatus.DONE
    again = tasks_imports.run_scan_import.call_local(queued.pk)
    assert again == f"{queued.reference} already done"
    assert Finding.objects.count() == 48
    assert Notification.objects.filter(kind="vulns.import-finished").count() == 0


def test_an_upload_over_the_limit_is_refused_and_not_stored(
    organisation: Any, security_officer: Any, settings: Any
) -> None:
    settings.VULNS_MAX_IMPORT_MEGABYTES = 1
    with pytest.raises(ImportRejected) as rejected:
        start_import(upload(), filename="scan.nessus", by=security_officer, unit=organisation.beijing)
    assert rejected.value.messages == ["scan.nessus: the file is larger than the limit of 1 MB."]
    assert (ScanImport.objects.count(), Attachment.objects.count()) == (0, 0)


@pytest.mark.parametrize("person", ["colleague", "outsider"])
def test_others_may_not_upload(request: pytest.FixtureRequest, organisation: Any, person: str) -> None:
    with pytest.raises(ValidationError):
        start_import(
            upload(), filename="scan.nessus", by=request.getfixturevalue(person), unit=organisation.beijing
        )
    assert (ScanImport.objects.count(), Attachment.objects.count()) == (0, 0)


def test_the_owner_may_upload(organisation: Any, owner: Any) -> None:
    queued = start_import(upload(), filename="scan.nessus", by=owner, unit=organisation.beijing)
    assert queued.status == ImportStatus.QUEUED


def test_a_penetration_test_the_importer_cannot_see_is_refused(
    organisation: Any, security_officer: Any, outsider: Any
) -> None:
    import datetime as dt

    from garrison.vulns.models import PenetrationTest

    hidden = PenetrationTest.objects.create(
        reference="PT-X",
        title="Shanghai test",
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 1, 31),
        owner=outsider,
        unit=organisation.shanghai,
    )
    with pytest.raises(ValidationError) as refused:
        start_import(
            upload(),
            filename="scan.nessus",
            by=security_officer,
            unit=organisation.beijing,
            penetration_test=hidden,
        )
    assert refused.value.message_dict == {"penetration_test": ["Penetration test not found."]}


def test_an_unknown_format_is_refused(organisation: Any, security_officer: Any) -> None:
    with pytest.raises(ValidationError):
        start_import(
            upload(),
            filename="scan.nessus",
            by=security_officer,
            unit=organisation.beijing,
            requested_format="qualys",
        )
