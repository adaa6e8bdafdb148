"""The case service: recording a case with every fact, the refusals that save nothing,
the workflow with its clocks, timeline and audit, re-grading and the handler's notice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.assets.models import Asset, Tag
from garrison.core.audit import history_of
from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.incidents.models import Grade, Incident, IncidentStatus, TimelineEvent, TimelineKind
from garrison.incidents.services import cases as services
from garrison.incidents.services import grading, obligations
from tests.conftest import Organisation
from tests.incidents.cases_support import *  # noqa: F403
from tests.incidents.cases_support import NOW, later
from tests.incidents.conftest import shanghai

pytestmark = pytest.mark.django_db


def test_it_records_a_case_with_every_field(
    case_fields: Any, handler: Person, security_officer: Person, organisation: Organisation, server: Asset
) -> None:
    incident = services.create_incident(
        by=security_officer,
        now=NOW,
        **case_fields(
            description="The portal answered nothing for two hours.",
            reported_by=security_officer,
            affected_units=[organisation.beijing, organisation.beijing_ops],
            assets=[server],
            affected_suppliers=["Acme CDN", " acme cdn ", "", "Cloud Co"],
            tags=["ddos", "Portal", "DDOS"],
            personal_information_people=1200,
            sensitive_personal_information=True,
            personal_information_breach=True,
            service_outage_minutes=120,
            cii_full_outage_minutes=30,
            cii_main_function_outage_minutes=60,
            essential_services_people=0,
            province_population_percent=Decimal("0.5"),
            direct_loss_cny=Decimal("250000.00"),
        ),
    )
    incident.refresh_from_db()
    assert incident.reference == f"INC-{incident.pk:06d}"
    assert incident.status == IncidentStatus.NEW
    assert incident.created_by == security_officer
    assert incident.reported_by == security_officer
    assert set(incident.affected_units.all()) == {organisation.beijing, organisation.beijing_ops}
    assert list(incident.assets.all()) == [server]
    assert incident.affected_suppliers == ["Acme CDN", "Cloud Co"]
    assert services.tag_names(incident) == ["ddos", "Portal"]
    assert incident.personal_information_people == 1200
    assert incident.direct_loss_cny == Decimal("250000.00")
    event = history_of(incident).get()
    assert event.action == AuditAction.CREATE
    assert event.changes["tag_names"] == [None, "ddos, Portal"]
    assert event.changes["assets"] == [None, [server.pk]]
    assert event.changes["reference"][1] == incident.reference


def test_a_case_that_occurred_after_its_discovery_is_refused_and_nothing_is_saved(
    case_fields: Any, handler: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_incident(
            by=handler,
            now=NOW,
            **case_fields(occurred_at=shanghai(2026, 3, 2, 10), tags=["brand-new-tag"]),
        )
    assert set(refused.value.message_dict) == {"occurred_at"}
    assert "after it was discovered" in refused.value.message_dict["occurred_at"][0]
    assert not Incident.objects.exists()
    assert not Tag.objects.filter(name="brand-new-tag").exists()
    assert not AuditEvent.objects.filter(object_type="incidents.incident").exists()


def test_every_refusal_names_its_field_at_once(
    case_fields: Any, handler: Person, categories: Any, organisation: Organisation, colleague: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_incident(
            by=handler,
            now=NOW,
            **case_fields(
                category=categories["MP"],
                subcategory=categories["NA-DOS"],
                discovered_at=later(1),
                occurred_at=later(-2),
                personal_information_people=-1,
                affected_suppliers=["x" * 201],
            ),
        )
    errors = refused.value.message_dict
    assert "NA-DOS is not a sub-category of MP." in errors["subcategory"]
    assert errors["discovered_at"] == ["The discovery time cannot be in the future."]
    assert "personal_information_people" in errors
    assert "affected_suppliers" in errors
    assert not Incident.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.create_incident(
            by=handler, now=NOW, **case_fields(category=categories["MP-RW"], subcategory=None)
        )
    assert set(refused.value.message_dict) == {"category"}


def test_units_and_handlers_out_of_reach_are_refused(
    case_fields: Any, handler: Person, organisation: Organisation, colleague: Person, outsider: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_incident(by=handler, now=NOW, **case_fields(unit=organisation.shanghai))
    assert refused.value.message_dict["unit"] == ["You do not handle incidents in this unit."]
    with pytest.raises(ValidationError) as refused:
        services.create_incident(by=handler, now=NOW, **case_fields(handler=colleague))
    assert "does not work on incidents" in refused.value.message_dict["handler"][0]
    with pytest.raises(ValidationError) as refused:
        services.create_incident(by=handler, now=NOW, **case_fields(handler=outsider))
    assert refused.value.message_dict["handler"] == ["Person not found."]
    with pytest.raises(ValidationError) as refused:
        services.create_incident(by=handler, now=NOW, **case_fields(affected_units=[organisation.shanghai]))
    assert set(refused.value.message_dict) == {"affected_units"}
    assert not Incident.objects.exists()


def test_the_handler_is_told_unless_they_assigned_themselves(
    case_fields: Any, handler: Person, security_officer: Person, organisation: Organisation, make_person: Any
) -> None:
    deputy = make_person("deputy", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))
    own = services.create_incident(by=handler, now=NOW, **case_fields())
    assigned_notices = Notification.objects.filter(kind="incidents.case-assigned")
    assert not assigned_notices.exists()
    assigned = services.create_incident(by=security_officer, now=NOW, **case_fields(title="Phishing wave"))
    notice = assigned_notices.get()
    assert notice.recipient == handler
    assert notice.kind == "incidents.case-assigned"
    assert assigned.reference in notice.title
    assert notice.link == f"/incidents/cases/{assigned.pk}/"
    services.update_incident(own, by=handler, handler=deputy, now=NOW)
    assert assigned_notices.filter(recipient=deputy, object_id=str(own.pk)).count() == 1


def test_re_grading_recomputes_obligations_and_keeps_the_history(
    case_fields: Any, handler: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, Any]] = []

    def propose(incident: Incident) -> None:
        incident.proposed_grade = Grade.MAJOR if incident.direct_loss_cny >= 1000 else Grade.GENERAL

    def recompute(incident: Incident, *, by: Any, now: Any = None) -> None:
        calls.append((incident.pk, now))

    monkeypatch.setattr(grading, "apply_proposal", propose)
    monkeypatch.setattr(obligations, "recompute_obligations", recompute)
    incident = services.create_incident(by=handler, now=NOW, **case_fields())
    assert incident.proposed_grade == Grade.GENERAL
    assert calls == [(incident.pk, NOW)]
    services.update_incident(incident, by=handler, title="Renamed", now=NOW)
    assert len(calls) == 1, "a new title changes no obligation"
    services.update_incident(incident, by=handler, direct_loss_cny=Decimal("5000"), reason="Invoice", now=NOW)
    assert len(calls) == 2
    incident.refresh_from_db()
    assert incident.proposed_grade == Grade.MAJOR
    latest = history_of(incident).first()
    assert latest is not None
    assert latest.changes["proposed_grade"] == [Grade.GENERAL, Grade.MAJOR]
    assert latest.reason == "Invoice"


def test_an_update_out_of_reach_is_refused_and_an_invalid_one_changes_nothing(
    make_incident: Any, handler: Person, outsider: Person, auditor: Person
) -> None:
    incident = make_incident(occurred_at=shanghai(2026, 3, 2, 8))
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            services.update_incident(incident, by=person, title="Mine now")
    with pytest.raises(ValidationError):
        services.update_incident(incident, by=handler, title="", occurred_at=shanghai(2026, 3, 3), now=NOW)
    assert incident.occurred_at == shanghai(2026, 3, 2, 8)
    incident.refresh_from_db()
    assert incident.title.startswith("Test incident")
    assert not history_of(incident).exists()


def test_the_workflow_walks_through_every_state_keeping_the_clocks(
    case_fields: Any, handler: Person, security_officer: Person
) -> None:
    incident = services.create_incident(by=security_officer, now=NOW, **case_fields())
    steps = [
        ("triage", IncidentStatus.TRIAGE),
        ("contain", IncidentStatus.CONTAINMENT),
        ("eradicate", IncidentStatus.ERADICATION),
        ("recover", IncidentStatus.RECOVERY),
        ("review", IncidentStatus.POST_INCIDENT_REVIEW),
        ("close", IncidentStatus.CLOSED),
    ]
    for hour, (name, state) in enumerate(steps, start=1):
        services.transition_incident(incident, name, by=handler, now=later(hour))
        incident.refresh_from_db()
        assert incident.status == state
    assert incident.contained_at == later(3)
    assert incident.handling_ended_at == later(5)
    assert incident.closed_at == later(6)
    notes = list(TimelineEvent.objects.filter(incident=incident).order_by("occurred_at"))
    assert [note.kind for note in notes] == [TimelineKind.STATUS] * 6
    assert notes[0].description == "Status changed from New to Triage."
    assert notes[-1].recorded_by == handler
    transitions = AuditEvent.objects.filter(
        object_type="incidents.incident", object_id=str(incident.pk), action=AuditAction.TRANSITION
    )
    assert [event.changes["transition"] for event in transitions.order_by("sequence")] == [
        name for name, _state in steps
    ]


def test_a_step_not_allowed_from_the_state_is_refused(make_incident: Any, handler: Person) -> None:
    incident = make_incident()
    with pytest.raises(ValidationError) as refused:
        services.transition_incident(incident, "close", by=handler, now=NOW)
    assert "status" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW
    assert not TimelineEvent.objects.filter(incident=incident).exists()


def test_a_false_positive_needs_a_reason_and_reopening_clears_the_closure(
    make_incident: Any, handler: Person
) -> None:
    incident = make_incident()
    with pytest.raises(ValidationError) as refused:
        services.transition_incident(incident, "false_positive", by=handler, now=NOW)
    assert set(refused.value.message_dict) == {"reason"}
    services.transition_incident(incident, "false_positive", by=handler, reason="A load test", now=NOW)
    assert incident.status == IncidentStatus.FALSE_POSITIVE
    assert "A load test" in TimelineEvent.objects.get(incident=incident).description
    with pytest.raises(ValidationError):
        services.transition_incident(incident, "reopen", by=handler, now=later(1))
    services.transition_incident(incident, "reopen", by=handler, reason="It was real", now=later(1))
    assert incident.status == IncidentStatus.TRIAGE


def test_reopening_a_closed_case_clears_closed_at_and_keeps_the_end_of_handling(
    make_incident: Any, handler: Person
) -> None:
    incident = make_incident(status=IncidentStatus.RECOVERY)
    services.transition_incident(incident, "close", by=handler, now=NOW)
    incident.refresh_from_db()
    assert (incident.handling_ended_at, incident.closed_at) == (NOW, NOW)
    services.transition_incident(incident, "reopen", by=handler, reason="New evidence", now=later(2))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIAGE
    assert incident.closed_at is None
    assert incident.handling_ended_at == NOW
    event = history_of(incident).filter(action=AuditAction.UPDATE).first()
    assert event is not None
    assert event.changes["closed_at"][1] is None
    assert event.reason == "New evidence"


def test_a_relatively_major_case_does_not_close_without_its_review(
    make_incident: Any, handler: Person
) -> None:
    incident = make_incident(status=IncidentStatus.RECOVERY)
    Incident.objects.filter(pk=incident.pk).update(grade=Grade.RELATIVELY_MAJOR)
    incident.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.transition_incident(incident, "close", by=handler, now=NOW)
    assert "post-incident review" in " ".join(refused.value.messages)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOVERY
    assert incident.closed_at is None


def test_a_step_by_someone_who_may_not_change_the_case_answers_as_missing(
    make_incident: Any, auditor: Person, outsider: Person
) -> None:
    incident = make_incident()
    for person in (auditor, outsider):
        with pytest.raises(Http404):
            services.transition_incident(incident, "triage", by=person, now=NOW)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW


def test_a_case_is_deleted_with_an_audit_event(make_incident: Any, handler: Person, outsider: Person) -> None:
    incident = make_incident()
    with pytest.raises(Http404):
        services.delete_incident(incident, by=outsider)
    pk = incident.pk
    services.delete_incident(incident, by=handler, reason="Duplicate of another case")
    assert not Incident.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(object_type="incidents.incident", object_id=str(pk))
    assert event.action == AuditAction.DELETE
    assert event.reason == "Duplicate of another case"
