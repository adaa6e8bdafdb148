"""Qualification documents: recording one with its file, replacing and removing it, and
the daily reminder job that tells the supplier manager once per threshold before expiry,
once on expiry, and the Procurement Officers over the unit when nobody manages the supplier."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from garrison.core.models import Attachment, Notification, Person
from garrison.core.roles import Role
from garrison.core.scheduling import RunStatus, run_job
from garrison.suppliers import tasks
from garrison.suppliers.models import DocumentKind, QualificationDocument, Supplier, SupplierPolicy
from garrison.suppliers.services import suppliers as services
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def supplier(make_supplier: Any) -> Supplier:
    return make_supplier(name="北京华信科技有限公司")


def document(supplier: Supplier, expires_on: dt.date, **fields: Any) -> QualificationDocument:
    return QualificationDocument.objects.create(
        supplier=supplier, kind=DocumentKind.ISO_27001, number="ISMS-1", expires_on=expires_on, **fields
    )


def reminders(person: Person) -> list[str]:
    mine = Notification.objects.filter(recipient=person, kind__startswith="suppliers.document")
    return list(mine.order_by("id").values_list("kind", flat=True))


def test_it_records_a_document_with_its_file_and_replaces_and_removes_it(
    supplier: Supplier, buyer: Person
) -> None:
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", content_type="application/pdf")
    kept = services.add_document(
        supplier,
        by=buyer,
        upload=upload,
        kind=DocumentKind.BUSINESS_LICENCE,
        number=" 9111 ",
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2030, 1, 1),
    )
    assert kept.number == "9111"
    assert kept.attachment is not None
    assert kept.attachment.filename == "licence.pdf"
    assert kept.attachment.object_id == str(supplier.pk)
    first_file = kept.attachment.pk
    QualificationDocument.objects.filter(pk=kept.pk).update(reminders_sent=[90])
    kept.refresh_from_db()
    services.update_document(
        kept,
        by=buyer,
        upload=SimpleUploadedFile("licence-2.pdf", b"%PDF-1.4 renewed"),
        expires_on=dt.date(2035, 1, 1),
    )
    kept.refresh_from_db()
    assert kept.reminders_sent == []
    assert kept.attachment is not None
    assert kept.attachment.filename == "licence-2.pdf"
    assert not Attachment.objects.filter(pk=first_file).exists()
    services.remove_document(kept, by=buyer)
    assert not QualificationDocument.objects.filter(supplier=supplier).exists()
    assert not Attachment.objects.filter(object_id=str(supplier.pk)).exists()


def test_a_document_expiring_before_it_was_issued_is_refused_and_nothing_is_kept(
    supplier: Supplier, buyer: Person, security_reader: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.add_document(
            supplier,
            by=buyer,
            upload=SimpleUploadedFile("x.pdf", b"data"),
            kind=DocumentKind.ISO_9001,
            issued_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2025, 1, 1),
        )
    assert set(refused.value.message_dict) == {"expires_on"}
    assert not QualificationDocument.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(90, 90), (45, 90), (30, 30), (12, 30), (7, 7), (1, 7), (0, 0), (-20, 0)],
)
def test_the_nearest_threshold_reached_is_due_and_settles_the_farther_ones(
    days_left: int, threshold: int
) -> None:
    due, settled = tasks.due_threshold(TODAY + dt.timedelta(days=days_left), TODAY, [90, 30, 7], [])
    assert due == threshold
    assert threshold in settled
    assert tasks.due_threshold(TODAY + dt.timedelta(days=days_left), TODAY, [90, 30, 7], settled) == (
        None,
        [],
    )


def test_the_manager_is_reminded_once_per_threshold_and_once_on_expiry(
    supplier: Supplier, buyer: Person
) -> None:
    kept = document(supplier, TODAY + dt.timedelta(days=90))
    assert tasks.remind_expiring_documents(TODAY) == (1, 1)
    assert tasks.remind_expiring_documents(TODAY) == (0, 0)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=1)) == (0, 0)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=60)) == (1, 1)
    # The job did not run when the 7-day threshold came: the day after, one reminder.
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=85)) == (1, 1)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=86)) == (0, 0)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=90)) == (1, 1)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=95)) == (0, 0)
    kept.refresh_from_db()
    assert kept.reminders_sent == [0, 7, 30, 90]
    assert reminders(buyer) == ["suppliers.document-expiring"] * 3 + ["suppliers.document-expired"]
    title = Notification.objects.filter(recipient=buyer, kind__startswith="suppliers.").order_by("id").first()
    assert title is not None
    assert "expires in 90 days" in title.title


def test_a_job_catching_up_sends_only_the_nearest_threshold(supplier: Supplier, buyer: Person) -> None:
    document(supplier, TODAY + dt.timedelta(days=5))
    assert tasks.remind_expiring_documents(TODAY) == (1, 1)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=1)) == (0, 0)
    assert reminders(buyer) == ["suppliers.document-expiring"]


def test_the_policy_sets_the_thresholds(supplier: Supplier, buyer: Person) -> None:
    SupplierPolicy.objects.update(document_reminder_days=[14])
    document(supplier, TODAY + dt.timedelta(days=30))
    assert tasks.remind_expiring_documents(TODAY) == (0, 0)
    assert tasks.remind_expiring_documents(TODAY + dt.timedelta(days=16)) == (1, 1)


def test_without_a_manager_the_procurement_officers_over_the_unit_are_told(
    make_supplier: Any, buyer: Person, approver: Person, make_person: Any, organisation: Organisation
) -> None:
    shanghai_officer = make_person(
        "shbuyer", organisation.shanghai, (Role.PROCUREMENT_OFFICER, organisation.shanghai)
    )
    orphan = make_supplier(manager=None, unit=organisation.beijing_ops)
    document(orphan, TODAY + dt.timedelta(days=3))
    assert tasks.remind_expiring_documents(TODAY) == (1, 2)
    assert reminders(buyer) == ["suppliers.document-expiring"]
    assert reminders(approver) == ["suppliers.document-expiring"]
    assert reminders(shanghai_officer) == []


def test_the_job_is_registered_and_runs_once_a_day(supplier: Supplier, buyer: Person) -> None:
    document(supplier, dt.date.today() + dt.timedelta(days=2))
    outcome = run_job(tasks.JOB_NAME)
    assert outcome.status is RunStatus.SUCCEEDED
    assert "1 reminders" in outcome.detail
    assert run_job(tasks.JOB_NAME).status is RunStatus.SKIPPED
