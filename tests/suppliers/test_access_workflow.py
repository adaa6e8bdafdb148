"""Supplier access through the services and the workflow: the full chain, express access,
the shortlist's publicity period and objections, approval, configuration and the lapse job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from garrison.core.models import AuditEvent, Notification
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.suppliers import tasks_access
from garrison.suppliers.models import (
    AccessApplication,
    AccessPathConfig,
    AccessStage,
    ApplicationStatus,
    Objection,
    StageRecord,
    StatusChange,
    SupplierStatus,
)
from garrison.suppliers.services import access as services
from garrison.suppliers.services import access_config, access_express
from garrison.suppliers.workflows_access import AccessWorkflow, approval_blockers
from tests.suppliers.access_support import end_publicity, patch_classification, prospective, walk_to

pytestmark = pytest.mark.django_db

STANDARD_STAGES = [
    "qualification_review",
    "on_site_inspection",
    "internal_assessment",
    "shortlist_announcement",
    "final_selection",
]


@pytest.fixture(autouse=True)
def classification_stand_in(monkeypatch: Any) -> None:
    patch_classification(monkeypatch)


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return prospective(make_supplier)


def refusals(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def test_standard_access_walks_all_five_stages_to_approved(buyer: Any, approver: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard", reason="New vendor")
    assert application.reference.startswith("ACC-")
    assert application.stages == STANDARD_STAGES
    assert application.status == AccessStage.QUALIFICATION_REVIEW

    seen = []
    for stage in STANDARD_STAGES[:-1]:
        seen.append(application.status)
        services.record_stage(application, by=buyer, outcome="passed", notes="Fine.", score="88")
        if stage == AccessStage.SHORTLIST_ANNOUNCEMENT:
            end_publicity(application)
        services.advance(application, by=buyer)
    assert seen == STANDARD_STAGES[:-1]
    assert application.status == AccessStage.FINAL_SELECTION
    services.record_stage(application, by=approver, outcome="passed", notes="Selected.")

    services.approve_application(application, by=approver, reason="Chain complete")

    application.refresh_from_db()
    supplier.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_at is not None
    assert supplier.status == SupplierStatus.QUALIFIED
    assert supplier.access_path == "standard"
    assert supplier.qualified_at is not None
    assert supplier.full_review_due is None
    assert StatusChange.objects.get(supplier=supplier).source == "access"
    assert StageRecord.objects.filter(application=application, outcome="passed").count() == 5
    transitions = AuditEvent.objects.filter(
        object_type="suppliers.accessapplication",
        object_id=str(application.pk),
        action=AuditAction.TRANSITION,
    )
    assert transitions.count() == 5


def test_express_access_walks_two_stages_and_sets_the_review_deadline(
    buyer: Any, approver: Any, supplier: Any
) -> None:
    application = services.start_application(
        supplier, by=buyer, path="express", justification="Urgent repair", contract_value_cny="120000"
    )
    assert application.stages == ["qualification_review", "final_selection"]
    walk_to(application, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")

    # Four eyes are not needed for express access: the requester may approve.
    services.approve_application(application, by=approver)

    supplier.refresh_from_db()
    due = organisation_today() + dt.timedelta(days=90)
    assert application.full_review_due == due
    assert supplier.full_review_due == due
    assert supplier.access_path == "express"
    assert supplier.status == SupplierStatus.QUALIFIED


def test_a_standard_approval_completes_the_review_of_express_access(
    buyer: Any, approver: Any, supplier: Any
) -> None:
    express = services.start_application(
        supplier, by=buyer, path="express", justification="Urgent", contract_value_cny=1
    )
    walk_to(express, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(express, by=buyer, outcome="passed")
    services.approve_application(express, by=buyer)

    standard = services.start_application(supplier, by=buyer, path="standard")
    walk_to(standard, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(standard, by=buyer, outcome="passed")
    services.approve_application(standard, by=approver)

    supplier.refresh_from_db()
    assert supplier.access_path == "standard"
    assert supplier.full_review_due is None
    assert (
        access_express.lapse_overdue_express_access(today=organisation_today() + dt.timedelta(days=200)) == 0
    )


def test_skipping_a_configured_stage_is_refused(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    services.record_stage(application, by=buyer, outcome="passed")

    with pytest.raises(ValidationError) as error:
        AccessWorkflow.apply(application, "to_internal_assessment", by=buyer)

    assert "is followed by On-site inspection" in refusals(error)
    application.refresh_from_db()
    assert application.status == AccessStage.QUALIFICATION_REVIEW


def test_leaving_a_stage_without_a_passed_record_is_refused(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")

    with pytest.raises(ValidationError) as error:
        services.advance(application, by=buyer)
    assert "Record the outcome of Qualification review" in refusals(error)

    services.record_stage(application, by=buyer, outcome="failed", notes="Licence forged.")
    with pytest.raises(ValidationError) as failed:
        services.advance(application, by=buyer)
    assert "reject the application" in refusals(failed)
    assert AccessWorkflow.allowed_transitions(application, buyer)[0].name == "reject"
    application.refresh_from_db()
    assert application.status == AccessStage.QUALIFICATION_REVIEW
    refused = AuditEvent.objects.filter(object_id=str(application.pk), action=AuditAction.REFUSED)
    assert refused.count() == 2


def test_a_stage_is_recorded_once_with_its_evidence(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    upload = SimpleUploadedFile("licence-check.pdf", b"%PDF-1.4 checked", content_type="application/pdf")

    record = services.record_stage(
        application, by=buyer, outcome="passed", notes="Seen.", evidence_files=[upload]
    )

    assert record.decided_by == buyer
    assert [attachment.filename for attachment in record.evidence.all()] == ["licence-check.pdf"]
    assert record.evidence.get().object_id == str(supplier.pk)
    with pytest.raises(ValidationError) as error:
        services.record_stage(application, by=buyer, outcome="failed", notes="Changed my mind")
    assert "already recorded" in refusals(error)


def test_bad_stage_input_is_refused_all_at_once(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    empty = SimpleUploadedFile("empty.pdf", b"")

    with pytest.raises(ValidationError) as error:
        services.record_stage(application, by=buyer, outcome="failed", score="130", evidence_files=[empty])

    assert set(error.value.message_dict) == {"notes", "score", "evidence_files"}
    assert not StageRecord.objects.exists()


def test_an_open_objection_blocks_final_selection_until_resolved(
    buyer: Any, approver: Any, supplier: Any
) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    walk_to(application, AccessStage.SHORTLIST_ANNOUNCEMENT, by=buyer)
    starts, ends = application.publicity_starts_at, application.publicity_ends_at
    assert starts is not None
    assert ends is not None
    assert ends - starts == dt.timedelta(days=5)
    services.record_stage(application, by=buyer, outcome="passed")
    first = services.lodge_objection(
        application, by=buyer, objector="Rival Co.", grounds="Conflict of interest"
    )
    services.lodge_objection(application, by=buyer, objector="Anonymous", grounds="Late delivery record")
    end_publicity(application)

    with pytest.raises(ValidationError) as error:
        services.advance(application, by=buyer)
    assert "2 objections are still open; resolve them before final selection." in refusals(error)

    for objection in Objection.objects.filter(application=application):
        services.resolve_objection(objection, by=approver, upheld=False, resolution="Unfounded")
    services.advance(application, by=buyer)
    assert application.status == AccessStage.FINAL_SELECTION
    first.refresh_from_db()
    assert first.status == "dismissed"
    assert first.resolved_by == approver


def test_an_upheld_objection_blocks_approval(buyer: Any, approver: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    walk_to(application, AccessStage.SHORTLIST_ANNOUNCEMENT, by=buyer)
    objection = services.lodge_objection(application, by=buyer, objector="Rival", grounds="Bribery")
    with pytest.raises(ValidationError) as missing:
        services.resolve_objection(objection, by=approver, upheld=True, resolution="  ")
    assert "resolution" in missing.value.message_dict
    services.resolve_objection(objection, by=approver, upheld=True, resolution="Proven")
    walk_to(application, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")

    with pytest.raises(ValidationError) as error:
        services.approve_application(application, by=approver)

    assert "upheld" in refusals(error)
    services.reject_application(application, by=approver, reason="Objection upheld")
    assert application.status == ApplicationStatus.REJECTED


def test_an_objection_outside_the_publicity_period_is_refused(buyer: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=buyer, path="standard")
    with pytest.raises(ValidationError) as early:
        services.lodge_objection(application, by=buyer, objector="Rival", grounds="Too early")
    assert "publicity period" in refusals(early)

    walk_to(application, AccessStage.SHORTLIST_ANNOUNCEMENT, by=buyer)
    assert application.publicity_starts_at is not None
    before = application.publicity_starts_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as late:
        services.lodge_objection(application, by=buyer, objector="Rival", grounds="Old", lodged_at=before)

    assert "outside it" in " ".join(late.value.message_dict["lodged_at"])
    assert not Objection.objects.exists()


def test_approval_without_the_required_documents_names_them(
    buyer: Any, approver: Any, make_supplier: Any
) -> None:
    supplier = make_supplier(status=SupplierStatus.PROSPECTIVE)
    config = AccessPathConfig.objects.get(path="standard")
    config.required_documents = ["business_licence", "iso_27001"]
    config.save()
    application = services.start_application(supplier, by=buyer, path="standard")
    walk_to(application, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")

    with pytest.raises(ValidationError) as error:
        services.approve_application(application, by=approver)

    assert "Business licence, ISO/IEC 27001 certificate" in refusals(error)
    application.refresh_from_db()
    supplier.refresh_from_db()
    assert application.status == AccessStage.FINAL_SELECTION
    assert supplier.status == SupplierStatus.PROSPECTIVE
    assert supplier.access_path == ""


def test_the_requester_may_not_approve_standard_access(buyer: Any, approver: Any, supplier: Any) -> None:
    application = services.start_application(supplier, by=approver, path="standard")
    walk_to(application, AccessStage.FINAL_SELECTION, by=approver)
    services.record_stage(application, by=approver, outcome="passed")

    assert any("someone else" in message for message in approval_blockers(application, approver))
    with pytest.raises(ValidationError):
        services.approve_application(application, by=approver)
    services.approve_application(application, by=buyer)
    assert application.status == ApplicationStatus.APPROVED


@pytest.mark.parametrize("status", ["blacklisted", "suspended", "unqualified"])
def test_a_substandard_supplier_cannot_start(buyer: Any, make_supplier: Any, status: str) -> None:
    supplier = make_supplier(status=status)

    with pytest.raises(ValidationError) as error:
        services.start_application(supplier, by=buyer, path="standard")

    assert f"is {supplier.get_status_display().lower()}" in refusals(error)
    assert not AccessApplication.objects.exists()
    assert AuditEvent.objects.filter(object_id=str(supplier.pk), action=AuditAction.REFUSED).exists()


def test_express_refusals_name_what_is_wrong(buyer: Any, supplier: Any, make_supplier: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.start_application(supplier, by=buyer, path="express", contract_value_cny="600000")
    assert set(error.value.message_dict) == {"justification", "contract_value_cny"}
    assert "500,000.00" in " ".join(error.value.message_dict["contract_value_cny"])

    services.start_application(supplier, by=buyer, path="standard")
    with pytest.raises(ValidationError) as twice:
        services.start_application(supplier, by=buyer, path="standard")
    assert "already has an access application" in refusals(twice)
    assert AccessApplication.objects.count() == 1


def test_a_person_without_reach_cannot_start(security_reader: Any, outsider: Any, supplier: Any) -> None:
    for person in (security_reader, outsider):
        with pytest.raises(Http404):
            services.start_application(supplier, by=person, path="standard")
    assert not AccessApplication.objects.exists()


def test_configuration_needs_an_ordered_chain_ending_in_final_selection(approver: Any, buyer: Any) -> None:
    config = AccessPathConfig.objects.get(path="express")
    with pytest.raises(ValidationError) as error:
        access_config.update_access_path(
            config,
            by=approver,
            stages=["final_selection", "qualification_review"],
            required_documents=["nope"],
        )
    assert set(error.value.message_dict) == {"stages", "required_documents"}
    with pytest.raises(Http404):
        access_config.update_access_path(config, by=buyer, publicity_days=3)

    access_config.update_access_path(
        config,
        by=approver,
        reason="Add inspection",
        stages=["qualification_review", "on_site_inspection", "final_selection"],
    )
    config.refresh_from_db()
    assert config.stages == ["qualification_review", "on_site_inspection", "final_selection"]
    assert AuditEvent.objects.filter(
        object_type="suppliers.accesspathconfig", reason="Add inspection"
    ).exists()


def test_the_lapse_job_lapses_overdue_express_access_once(
    buyer: Any, approver: Any, supplier: Any, settings: Any
) -> None:
    application = services.start_application(
        supplier, by=buyer, path="express", justification="Urgent", contract_value_cny=10
    )
    walk_to(application, AccessStage.FINAL_SELECTION, by=buyer)
    services.record_stage(application, by=buyer, outcome="passed")
    services.approve_application(application, by=approver)
    due = application.full_review_due
    assert due is not None

    assert access_express.remind_express_reviews_due(today=due - dt.timedelta(days=14)) == 1
    assert access_express.remind_express_reviews_due(today=due - dt.timedelta(days=13)) == 0
    assert access_express.lapse_overdue_express_access(today=due) == 0

    assert access_express.lapse_overdue_express_access(today=due + dt.timedelta(days=1)) == 1
    assert access_express.lapse_overdue_express_access(today=due + dt.timedelta(days=1)) == 0

    application.refresh_from_db()
    supplier.refresh_from_db()
    assert application.status == ApplicationStatus.LAPSED
    assert supplier.status == SupplierStatus.PROSPECTIVE
    assert supplier.full_review_due is None
    assert supplier.access_path == ""
    assert StatusChange.objects.filter(supplier=supplier, source="express_lapse").count() == 1
    assert Notification.objects.filter(recipient=buyer, kind="suppliers.express-lapsed").count() == 1


def test_the_daily_job_is_registered_and_summarises(supplier: Any) -> None:
    now = timezone.now()
    assert tasks_access.run_express_access_job(now) == "0 express reviews reminded, 0 express access lapsed"
    from garrison.core.scheduling import registered_jobs

    assert tasks_access.JOB_NAME in {job.name for job in registered_jobs()}
