"""Supplier status under four eyes: proposing, approving by another person, the refusals
(self-approval recorded in the audit trail), the way back through a completed plan,
suspensions and their release, blacklisting, system changes and the supplier policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from garrison.core.models import AuditEvent, Notification, Person
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.suppliers import tasks_classification
from garrison.suppliers.models import (
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import classification, rectification, screening

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(make_supplier: Any) -> Any:
    return make_supplier(status=SupplierStatus.QUALIFIED, status_since=timezone.now() - dt.timedelta(days=30))


@pytest.fixture
def blacklist_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any, str]]:
    calls: list[tuple[Any, Any, str]] = []

    def add_to_blacklist(supplier: Any, *, by: Any, reason: str) -> None:
        calls.append((supplier, by, reason))

    monkeypatch.setattr(screening, "add_to_blacklist", add_to_blacklist)
    return calls


def events_of(obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "sequence"
        )
    )


def test_a_change_approved_by_another_person_gives_the_supplier_its_new_status(
    supplier: Any, buyer: Person, approver: Person, owner: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Late deliveries three months running"
    )
    assert (change.from_status, change.state, change.proposed_by) == ("qualified", "proposed", buyer)
    told = set(
        Notification.objects.filter(kind="suppliers.status-change-proposed").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"approver", "owner"}

    classification.decide_status_change(change, by=approver, approve=True, note="Agreed")

    supplier.refresh_from_db()
    change.refresh_from_db()
    assert supplier.status == SupplierStatus.RECTIFYING
    assert supplier.status_since == change.decided_at
    assert (change.state, change.decided_by, change.decision_note) == ("approved", approver, "Agreed")
    assert [event.changes["status"] for event in events_of(supplier)] == [["qualified", "rectifying"]]
    assert events_of(supplier)[0].reason == "Late deliveries three months running"
    assert [event.action for event in events_of(change)] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert Notification.objects.filter(kind="suppliers.status-change-decided", recipient=buyer).count() == 1


def test_approving_ones_own_change_is_refused_recorded_and_changes_nothing(
    supplier: Any, buyer: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.SUSPENDED, by=buyer, reason="Audit failed"
    )
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        classification.decide_status_change(change, by=buyer, approve=True)

    assert "You proposed this change; another approver must decide it." in refused.value.messages
    new_events = list(AuditEvent.objects.filter(sequence__gt=events_before))
    assert [(event.action, event.object_type, event.object_id) for event in new_events] == [
        (AuditAction.REFUSED, "suppliers.statuschange", str(change.pk))
    ]
    assert new_events[0].actor_id == buyer.pk
    assert "another approver must decide it" in new_events[0].reason
    change.refresh_from_db()
    supplier.refresh_from_db()
    assert (change.state, change.decided_by_id, supplier.status) == ("proposed", None, "qualified")


def test_people_without_authority_over_the_suppliers_unit_are_refused(
    supplier: Any, buyer: Person, security_reader: Person, outsider: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.UNQUALIFIED, by=buyer, reason="Licence revoked"
    )
    with pytest.raises(ValidationError, match="authority"):
        classification.decide_status_change(change, by=security_reader, approve=True)
    assert AuditEvent.objects.filter(action=AuditAction.REFUSED, actor_id=security_reader.pk).count() == 1
    with pytest.raises(Http404):
        classification.decide_status_change(change, by=outsider, approve=True)
    with pytest.raises(Http404):
        classification.propose_status_change(
            supplier, SupplierStatus.SUSPENDED, by=security_reader, reason="x"
        )
    supplier.refresh_from_db()
    assert supplier.status == "qualified"


def test_a_proposal_needs_a_reason_an_allowed_move_and_no_other_proposal_waiting(
    supplier: Any, buyer: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        classification.propose_status_change(supplier, SupplierStatus.QUALIFIED, by=buyer, reason="  ")
    assert refused.value.message_dict["reason"] == [
        "Give the reason for the change; it is kept in the supplier's history."
    ]
    assert "is already Qualified" in refused.value.message_dict["to_status"][0]
    with pytest.raises(ValidationError, match="cannot move from Qualified to Prospective"):
        classification.propose_status_change(
            supplier, SupplierStatus.PROSPECTIVE, by=buyer, reason="Start over"
        )
    assert not StatusChange.objects.exists()

    classification.propose_status_change(supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality")
    with pytest.raises(ValidationError, match="already has a status change awaiting approval"):
        classification.propose_status_change(supplier, SupplierStatus.SUSPENDED, by=buyer, reason="Worse")
    assert StatusChange.objects.count() == 1


def test_rejecting_needs_a_note_and_the_proposer_may_withdraw(
    supplier: Any, buyer: Person, approver: Person
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality"
    )
    with pytest.raises(ValidationError, match="Say why the change is rejected"):
        classification.decide_status_change(change, by=approver, approve=False)
    with pytest.raises(ValidationError, match="Only the person who proposed"):
        classification.withdraw_status_change(change, by=approver)
    classification.withdraw_status_change(change, by=buyer)
    change.refresh_from_db()
    assert change.state == StatusChangeState.WITHDRAWN
    second = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=buyer, reason="Quality"
    )
    classification.decide_status_change(second, by=approver, approve=False, note="Not yet")
    supplier.refresh_from_db()
    assert (supplier.status, StatusChange.objects.get(pk=second.pk).state) == ("qualified", "rejected")


def test_rectifying_returns_to_qualified_only_after_a_completed_plan(
    make_supplier: Any, buyer: Person, approver: Person
) -> None:
    supplier = make_supplier(
        status=SupplierStatus.RECTIFYING, status_since=timezone.now() - dt.timedelta(days=5)
    )
    with pytest.raises(ValidationError, match="complete its rectification plan first"):
        classification.propose_status_change(
            supplier, SupplierStatus.QUALIFIED, by=buyer, reason="Better now"
        )

    today = organisation_today()
    plan = rectification.create_plan(
        supplier,
        by=buyer,
        title="Fix delivery",
        due_on=today + dt.timedelta(days=30),
        owner=buyer,
        actions=[("New logistics partner", today + dt.timedelta(days=10))],
    )
    rectification.complete_action(plan.actions.get(), by=buyer, note="Contract signed")
    rectification.complete_plan(plan, by=buyer)

    proposal = StatusChange.objects.get(state=StatusChangeState.PROPOSED)
    assert (proposal.to_status, proposal.source, proposal.proposed_by) == (
        "qualified",
        "rectification",
        buyer,
    )
    classification.decide_status_change(proposal, by=approver, approve=True)
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED


def test_a_suspension_carries_a_future_release_date_and_the_release_job_makes_it_rectifying(
    supplier: Any, buyer: Person, approver: Person
) -> None:
    today = organisation_today()
    with pytest.raises(ValidationError) as refused:
        classification.propose_status_change(
            supplier, SupplierStatus.SUSPENDED, by=buyer, reason="Safety breach", suspended_until=today
        )
    assert refused.value.message_dict["suspended_until"] == ["The release date must be in the future."]
    with pytest.raises(ValidationError, match="Only a suspension carries a release date"):
        classification.propose_status_change(
            supplier,
            SupplierStatus.RECTIFYING,
            by=buyer,
            reason="x",
            suspended_until=today + dt.timedelta(days=3),
        )
    release = today + dt.timedelta(days=14)
    change = classification.propose_status_change(
        supplier, SupplierStatus.SUSPENDED, by=buyer, reason="Safety breach", suspended_until=release
    )
    classification.decide_status_change(change, by=approver, approve=True)
    supplier.refresh_from_db()
    assert (supplier.status, supplier.suspended_until) == ("suspended", release)

    assert tasks_classification.release_suspensions(release - dt.timedelta(days=1)) == 0
    assert tasks_classification.release_suspensions(release) == 1
    supplier.refresh_from_db()
    assert (supplier.status, supplier.suspended_until) == ("rectifying", None)
    released = StatusChange.objects.get(source=StatusChangeSource.RELEASE)
    assert (released.state, released.from_status, released.proposed_by) == ("approved", "suspended", None)
    assert tasks_classification.release_suspensions(release) == 0


def test_approving_a_blacklisting_feeds_the_screening_blacklist(
    supplier: Any, buyer: Person, approver: Person, blacklist_calls: list[Any]
) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.BLACKLISTED, by=buyer, reason="Bribery"
    )
    assert blacklist_calls == []
    classification.decide_status_change(change, by=approver, approve=True)
    assert [(called.pk, by, reason) for called, by, reason in blacklist_calls] == [
        (supplier.pk, approver, "Bribery")
    ]


def test_leaving_the_blacklist_needs_an_administrators_approval(
    make_supplier: Any, buyer: Person, approver: Person, owner: Person
) -> None:
    supplier = make_supplier(status=SupplierStatus.BLACKLISTED)
    change = classification.propose_status_change(
        supplier, SupplierStatus.PROSPECTIVE, by=buyer, reason="Court cleared them"
    )
    with pytest.raises(ValidationError, match="Only an Administrator"):
        classification.decide_status_change(change, by=approver, approve=True)
    classification.decide_status_change(change, by=owner, approve=True)
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.PROSPECTIVE


def test_a_change_decided_elsewhere_is_recorded_approved_and_sets_aside_a_waiting_proposal(
    make_supplier: Any, buyer: Person, approver: Person
) -> None:
    supplier = make_supplier(status=SupplierStatus.PROSPECTIVE)
    waiting = classification.propose_status_change(
        supplier, SupplierStatus.UNQUALIFIED, by=buyer, reason="No licence"
    )

    change = classification.set_status_by_system(
        supplier, SupplierStatus.QUALIFIED, reason="Access application approved", source="access", by=approver
    )

    assert change is not None
    assert (change.state, change.decided_by, change.proposed_by, change.source) == (
        "approved",
        approver,
        approver,
        "access",
    )
    supplier.refresh_from_db()
    waiting.refresh_from_db()
    assert supplier.status == SupplierStatus.QUALIFIED
    assert waiting.state == StatusChangeState.WITHDRAWN
    assert classification.set_status_by_system(supplier, "qualified", reason="Again", source="access") is None


def test_a_system_proposal_is_decided_by_any_approver(supplier: Any, approver: Person) -> None:
    change = classification.propose_status_change(
        supplier, SupplierStatus.RECTIFYING, by=None, reason="Scorecard 2026-Q1 poor", source="scorecard"
    )
    assert change.proposed_by is None
    classification.decide_status_change(change, by=approver, approve=True)
    supplier.refresh_from_db()
    assert supplier.status == SupplierStatus.RECTIFYING


def test_the_policy_is_changed_over_the_whole_organisation_only_and_checked(
    approver: Person, buyer: Person
) -> None:
    policy = classification.current_policy()
    with pytest.raises(ValidationError) as refused:
        classification.update_policy(
            policy,
            by=approver,
            excellent_from=70,
            good_from=75,
            document_reminder_days=[30, 0],
            screening_threshold=40,
        )
    assert set(refused.value.message_dict) == {"good_from", "document_reminder_days", "screening_threshold"}
    with pytest.raises(Http404):
        classification.update_policy(policy, by=buyer, screening_threshold=80)

    classification.update_policy(
        policy,
        by=approver,
        reason="Stricter",
        screening_threshold=85,
        document_reminder_days=[7, 60, "30", 7],
    )
    policy = SupplierPolicy.objects.get()
    assert (policy.screening_threshold, policy.document_reminder_days) == (85, [60, 30, 7])
    assert events_of(policy)[-1].reason == "Stricter"
