"""Writes to the certification register: validated, audited, atomic, within reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from garrison.compliance.models import Certification, CertificationStatus, SurveillanceAudit, SurveillanceKind
from garrison.compliance.services import certifications as services
from garrison.core.audit import history_of
from garrison.core.models import Attachment, AuditEvent
from garrison.core.scheduling import organisation_today
from garrison.core.services.files import open_file
from tests.compliance.certifications_support import *  # noqa: F403
from tests.compliance.certifications_support import (
    CERTIFICATE_SAMPLE,
    OTHER_SAMPLE,
    certificate_upload,
    days,
)

pytestmark = pytest.mark.django_db


def test_it_creates_a_certification_with_an_audit_event(
    make_certification: Any, cert_manager: Any, organisation: Any, cert_owner: Any
) -> None:
    certification = services.create_certification(
        by=cert_manager,
        scheme="soc2",
        name="SOC 2 Type II report",
        scope_description="Cloud platform",
        body="KPMG",
        issued_on=days(-30),
        expires_on=days(335),
        unit=organisation.beijing,
        owner=cert_owner,
    )
    events = list(history_of(certification))
    assert [event.action for event in events] == ["create"]
    assert events[0].actor_id == cert_manager.pk


def test_it_refuses_an_expiry_not_after_the_issue_date(
    cert_manager: Any, organisation: Any, cert_owner: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_certification(
            by=cert_manager,
            scheme="iso27001",
            name="ISO",
            scope_description="ISMS",
            body="CQC",
            issued_on=days(0),
            expires_on=days(0),
            unit=organisation.beijing,
            owner=cert_owner,
        )
    assert "expires_on" in error.value.message_dict
    assert not Certification.objects.exists()


def test_it_refuses_a_unit_out_of_the_persons_reach(
    cert_manager: Any, organisation: Any, cert_owner: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_certification(
            by=cert_manager,
            scheme="iso27001",
            name="ISO",
            scope_description="ISMS",
            body="CQC",
            issued_on=days(-1),
            expires_on=days(700),
            unit=organisation.shanghai,
            owner=cert_owner,
        )
    assert error.value.message_dict == {"unit": ["You do not manage compliance in this unit."]}
    assert not Certification.objects.exists()


def test_an_update_records_the_change_and_checks_the_dates(
    make_certification: Any, cert_manager: Any
) -> None:
    certification = make_certification()
    services.update_certification(certification, by=cert_manager, reason="Typo", number="CQC-002")
    certification.refresh_from_db()
    assert certification.number == "CQC-002"
    assert history_of(certification).first().reason == "Typo"
    with pytest.raises(ValidationError) as error:
        services.update_certification(certification, by=cert_manager, expires_on=certification.issued_on)
    assert "expires_on" in error.value.message_dict
    certification.refresh_from_db()
    assert certification.expires_on > certification.issued_on


def test_an_update_may_not_strand_a_planned_audit_outside_the_period(
    make_certification: Any, cert_manager: Any
) -> None:
    certification = make_certification()
    services.add_surveillance_audit(certification, by=cert_manager, due_on=days(300))
    with pytest.raises(ValidationError) as error:
        services.update_certification(certification, by=cert_manager, expires_on=days(200))
    assert "expires_on" in error.value.message_dict
    certification.refresh_from_db()
    assert certification.expires_on == days(365 * 2)


def test_the_certificate_file_is_stored_and_a_replaced_one_is_kept(
    make_certification: Any, cert_manager: Any
) -> None:
    certification = make_certification()
    services.attach_certificate_file(
        certification, certificate_upload(), by=cert_manager, filename="first.json"
    )
    first = certification.certificate_file
    services.attach_certificate_file(
        certification, certificate_upload(OTHER_SAMPLE), by=cert_manager, filename="second.json"
    )
    certification.refresh_from_db()
    assert certification.certificate_file.filename == "second.json"
    with open_file(certification.certificate_file) as content:
        assert content.read() == OTHER_SAMPLE.read_bytes()
    assert [item.filename for item in services.attachments_of(certification)] == ["second.json", "first.json"]
    assert Attachment.objects.filter(pk=first.pk).exists()
    changes = [event.changes for event in history_of(certification) if "certificate_file" in event.changes]
    assert changes[0]["certificate_file"] == [first.pk, certification.certificate_file_id]
    assert first.stored_file.sha256 != certification.certificate_file.stored_file.sha256
    assert CERTIFICATE_SAMPLE.read_bytes() != OTHER_SAMPLE.read_bytes()


def test_renewal_creates_the_next_certificate_of_the_lineage(
    make_certification: Any, cert_manager: Any
) -> None:
    today = organisation_today()
    first = make_certification(issued_on=days(-365 * 3 + 20), expires_on=days(20))
    renewed = services.renew_certification(
        first,
        by=cert_manager,
        issued_on=days(10),
        expires_on=days(10 + 365 * 3),
        number="CQC-NEW",
        file=certificate_upload(),
        filename="renewed.json",
    )
    assert (renewed.scheme, renewed.scope_description, renewed.unit_id, renewed.owner_id) == (
        first.scheme,
        first.scope_description,
        first.unit_id,
        first.owner_id,
    )
    assert renewed.certificate_file is not None
    assert [item.pk for item in services.lineage_of(first)] == [first.pk, renewed.pk]
    assert services.successor_of(first) == renewed
    assert services.renewed_ids([first, renewed]) == {first.pk}
    holding = services.holding_of(first, today)
    assert holding.since == first.issued_on
    assert holding.years == 2


def test_renewal_refuses_an_earlier_period(make_certification: Any, cert_manager: Any) -> None:
    first = make_certification()
    with pytest.raises(ValidationError) as error:
        services.renew_certification(first, by=cert_manager, issued_on=days(-400), expires_on=days(100))
    assert set(error.value.message_dict) == {"issued_on", "expires_on"}
    assert Certification.objects.count() == 1


def test_a_renewal_refused_for_its_file_leaves_nothing_behind(
    make_certification: Any, cert_manager: Any, settings: Any
) -> None:
    first = make_certification()
    settings.MAX_UPLOAD_MEGABYTES = 0
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.renew_certification(
            first,
            by=cert_manager,
            issued_on=days(1),
            expires_on=days(2000),
            file=certificate_upload(),
            filename="x.json",
        )
    assert Certification.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_lineage_ignores_case_and_spacing_of_the_scope(make_certification: Any) -> None:
    first = make_certification(issued_on=days(-800), expires_on=days(-400))
    second = make_certification(
        scope_description="isms of the  BEIJING data center", issued_on=days(-410), expires_on=days(300)
    )
    other = make_certification(scope_description="Another scope", issued_on=days(-100), expires_on=days(300))
    assert [item.pk for item in services.lineage_of(second)] == [first.pk, second.pk]
    holdings = services.holdings_for([first, second, other])
    assert holdings[second.pk].since == first.issued_on
    assert holdings[other.pk].since == other.issued_on


def test_surveillance_audits_stay_within_the_certificate_period(
    make_certification: Any, cert_manager: Any
) -> None:
    certification = make_certification()
    with pytest.raises(ValidationError) as error:
        services.add_surveillance_audit(certification, by=cert_manager, due_on=days(365 * 3))
    assert "due_on" in error.value.message_dict
    assert not SurveillanceAudit.objects.exists()
    item = services.add_surveillance_audit(
        certification, by=cert_manager, due_on=days(30), kind=SurveillanceKind.SURVEILLANCE
    )
    with pytest.raises(ValidationError):
        services.update_surveillance_audit(item, by=cert_manager, due_on=days(-400))
    item.refresh_from_db()
    assert item.due_on == days(30)


def test_completing_a_surveillance_audit(make_certification: Any, cert_manager: Any) -> None:
    certification = make_certification()
    item = services.add_surveillance_audit(certification, by=cert_manager, due_on=days(-3))
    with pytest.raises(ValidationError) as error:
        services.complete_surveillance_audit(item, by=cert_manager, completed_on=days(2))
    assert "completed_on" in error.value.message_dict
    services.complete_surveillance_audit(item, by=cert_manager, outcome="No nonconformities")
    item.refresh_from_db()
    assert (item.completed_on, item.outcome) == (organisation_today(), "No nonconformities")
    with pytest.raises(ValidationError):
        services.complete_surveillance_audit(item, by=cert_manager)


def test_deleting_a_certification_removes_its_audits_and_files_with_events(
    make_certification: Any, cert_manager: Any
) -> None:
    certification = make_certification()
    services.add_surveillance_audit(certification, by=cert_manager, due_on=days(30))
    services.attach_certificate_file(certification, certificate_upload(), by=cert_manager, filename="c.json")
    services.delete_certification(certification, by=cert_manager, reason="Recorded twice")
    assert not Certification.objects.exists()
    assert not SurveillanceAudit.objects.exists()
    assert not Attachment.objects.exists()
    deleted = set(AuditEvent.objects.filter(action="delete").values_list("object_type", flat=True))
    assert deleted == {"compliance.certification", "compliance.surveillanceaudit", "core.attachment"}


def test_a_withdrawn_certificate_is_not_held(make_certification: Any, cert_manager: Any) -> None:
    certification = make_certification()
    services.update_certification(certification, by=cert_manager, status=CertificationStatus.WITHDRAWN)
    assert services.holding_of(certification).is_held is False
