"""Sourcing through the services: a whole event from draft to award with its gates,
declarations and timeline; refusals recorded and nothing half-saved; purchase orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from garrison.core.models import AuditEvent, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Role
from garrison.suppliers.models import (
    Bid,
    Invitation,
    InvitationStatus,
    OrderStatus,
    PurchaseOrder,
    SourcingStatus,
    StepKind,
    SupplierStatus,
)
from garrison.suppliers.services import evaluation, orders, sourcing
from tests.conftest import Organisation
from tests.suppliers.sourcing_support import *  # noqa: F403
from tests.suppliers.sourcing_support import (
    draft,
    end_publicity,
    in_evaluation,
    pass_deadline,
    score_all,
    soon,
)

pytestmark = pytest.mark.django_db


def refusals(obj: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.REFUSED, object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("sequence")
    )


def test_a_whole_event_runs_from_draft_to_award_with_every_step_traced(
    organisation: Organisation,
    buyer: Person,
    evaluator_person: Person,
    make_person: Any,
    make_supplier: Any,
) -> None:
    colleague = make_person("second", organisation.beijing, (Role.SECURITY_OFFICER, organisation.beijing))
    qualified = make_supplier(name="华北服务器有限公司")
    other = make_supplier(name="申城计算机有限公司")
    blacklisted = make_supplier(name="黑名单科技有限公司", status=SupplierStatus.BLACKLISTED)
    event = draft(buyer, organisation.beijing)
    assert event.reference.startswith("SRC-")
    assert event.status == SourcingStatus.DRAFT

    sourcing.invite_supplier(event, qualified, by=buyer)
    sourcing.invite_supplier(event, other, by=buyer)
    with pytest.raises(ValidationError) as refused:
        sourcing.invite_supplier(event, blacklisted, by=buyer)
    assert refused.value.message_dict["supplier"] == [
        "黑名单科技有限公司 is blacklisted and may not be invited to sourcing."
    ]
    assert not Invitation.objects.filter(supplier=blacklisted).exists()
    [refusal] = refusals(event)
    assert refusal.actor_id == buyer.pk
    assert "blacklisted" in refusal.reason
    assert event.steps.filter(kind=StepKind.REFUSED, actor=buyer).count() == 1

    evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.add_evaluator(event, colleague, by=buyer)
    sourcing.open_event(event, by=buyer)
    sourcing.record_bid(event, qualified, by=buyer, price_cny="980000", delivery_days=45, terms="FOB")
    sourcing.record_bid(event, other, by=buyer, price_cny="1020000")
    pass_deadline(event)
    sourcing.close_bidding(event, by=buyer)
    assert event.status == SourcingStatus.EVALUATION

    with pytest.raises(PermissionDenied, match="Sign the conflict-of-interest declaration"):
        evaluation.ensure_bids_visible(event, evaluator_person)
    assert refusals(event)[-1].actor_id == evaluator_person.pk
    assert not evaluation.bids_visible_to(event, evaluator_person).exists()

    evaluator = event.evaluators.get(person=evaluator_person)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    assert evaluation.bids_visible_to(event, evaluator_person).count() == 2
    recused = event.evaluators.get(person=colleague)
    evaluation.sign_declaration(recused, by=colleague, has_conflict=True, details="My brother works at 华北")
    assert not evaluation.bids_visible_to(event, colleague).exists()
    with pytest.raises(ValidationError, match="recused"):
        score_all(event, colleague, {qualified.pk: 90, other.pk: 70})

    score_all(event, evaluator_person, {qualified.pk: 90, other.pk: 70})
    matrix = evaluation.evaluation_matrix(event)
    assert [(row.bid.supplier_id, row.total, row.rank) for row in matrix.rows] == [
        (qualified.pk, Decimal("90.00"), 1),
        (other.pk, Decimal("70.00"), 2),
    ]
    top = event.bids.get(supplier=qualified)
    sourcing.announce_shortlist(event, by=buyer, bids=[top], publicity_days=5)
    top.refresh_from_db()
    assert (top.rank, top.total_score, top.is_shortlisted) == (1, Decimal("90.00"), True)
    assert event.invitations.get(supplier=qualified).status == InvitationStatus.SHORTLISTED
    with pytest.raises(ValidationError, match="publicity period"):
        sourcing.award(event, qualified, by=buyer, reason="Best value")
    end_publicity(event)
    sourcing.award(event, qualified, by=buyer, reason="Best value")
    event.refresh_from_db()
    assert (event.status, event.awarded_supplier, event.award_reason) == (
        SourcingStatus.AWARDED,
        qualified,
        "Best value",
    )
    kinds = list(event.steps.values_list("kind", flat=True))
    for kind in (
        StepKind.CREATED,
        StepKind.INVITED,
        StepKind.REFUSED,
        StepKind.EVALUATOR,
        StepKind.OPENED,
        StepKind.BID,
        StepKind.DECLARATION,
        StepKind.SCORED,
        StepKind.SHORTLIST,
        StepKind.AWARDED,
    ):
        assert kind in kinds
    assert not event.steps.filter(actor__isnull=True).exists()
    assert "980000" not in " ".join(event.steps.values_list("description", flat=True))


def test_a_supplier_suspended_after_bidding_cannot_be_awarded(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [supplier])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    score_all(event, evaluator_person, {supplier.pk: 80})
    sourcing.announce_shortlist(event, by=buyer, bids=list(event.bids.all()))
    end_publicity(event)
    type(supplier).objects.filter(pk=supplier.pk).update(status=SupplierStatus.SUSPENDED)
    supplier.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        sourcing.award(event, supplier, by=buyer, reason="Only bidder")
    assert "suspended cooperation and may not be awarded" in refused.value.message_dict["supplier"][0]
    event.refresh_from_db()
    assert (event.status, event.awarded_supplier) == (SourcingStatus.SHORTLISTED, None)
    assert refusals(event)[-1].changes["attempted"][1].startswith("award to")
    assert event.steps.filter(kind=StepKind.REFUSED).exists()


def test_an_order_to_an_unqualified_supplier_is_refused_and_recorded(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    unqualified = make_supplier(status=SupplierStatus.UNQUALIFIED)
    with pytest.raises(ValidationError) as refused:
        orders.place_order(unqualified, by=buyer, title="Spare disks", amount_cny="12000")
    assert "may not receive new orders" in refused.value.message_dict["supplier"][0]
    assert not PurchaseOrder.objects.exists()
    assert refusals(unqualified)[0].actor_id == buyer.pk
    qualified = make_supplier()
    order = orders.place_order(qualified, by=buyer, title="Spare disks", amount_cny="12000")
    assert order.reference.startswith("PO-")
    assert order.unit == organisation.beijing
    orders.mark_delivered(order, by=buyer)
    with pytest.raises(ValidationError, match="already delivered"):
        orders.cancel_order(order, by=buyer, reason="Changed our mind")
    assert PurchaseOrder.objects.get().status == OrderStatus.DELIVERED


def test_an_order_for_an_event_goes_only_to_its_awarded_supplier(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    event = draft(buyer, organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        orders.place_order(supplier, by=buyer, title="Servers", amount_cny=10, event=event)
    assert set(refused.value.message_dict) == {"event"}


def test_bids_are_recorded_only_for_invited_suppliers_while_open_and_once(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    invited, stranger = make_supplier(), make_supplier()
    event = draft(buyer, organisation.beijing)
    sourcing.invite_supplier(event, invited, by=buyer)
    with pytest.raises(ValidationError, match="open"):
        sourcing.record_bid(event, invited, by=buyer, price_cny=100)
    sourcing.open_event(event, by=buyer)
    with pytest.raises(ValidationError) as refused:
        sourcing.record_bid(event, stranger, by=buyer, price_cny=-5)
    assert set(refused.value.message_dict) == {"supplier", "price_cny"}
    sourcing.record_bid(event, invited, by=buyer, price_cny=100)
    with pytest.raises(ValidationError, match="already bid"):
        sourcing.record_bid(event, invited, by=buyer, price_cny=90)
    pass_deadline(event)
    assert Bid.objects.count() == 1


def test_only_the_evaluator_signs_their_declaration_once_and_a_conflict_needs_details(
    organisation: Organisation, buyer: Person, evaluator_person: Person
) -> None:
    event = draft(buyer, organisation.beijing)
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    with pytest.raises(ValidationError, match="Only Evaluator"):
        evaluation.sign_declaration(evaluator, by=buyer, has_conflict=False)
    with pytest.raises(ValidationError) as refused:
        evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=True)
    assert set(refused.value.message_dict) == {"details"}
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    with pytest.raises(ValidationError, match="cannot be changed"):
        evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=True, details="x")


def test_an_evaluator_must_work_with_the_units_suppliers(
    organisation: Organisation, buyer: Person, make_person: Any
) -> None:
    event = draft(buyer, organisation.beijing)
    employee = make_person("employee", organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        evaluation.add_evaluator(event, employee, by=buyer)
    assert "does not work with the suppliers" in refused.value.message_dict["person"][0]


def test_the_buyer_may_evaluate_but_then_needs_a_declaration_too(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [supplier])
    assert evaluation.bids_visible_to(event, buyer).count() == 1
    evaluation.add_evaluator(event, buyer, by=buyer)
    assert "the event's buyer" in event.steps.filter(kind=StepKind.EVALUATOR).get().description
    assert not evaluation.bids_visible_to(event, buyer).exists()


def test_details_freeze_once_the_event_is_open(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    event = draft(buyer, organisation.beijing)
    sourcing.update_event(
        event, by=buyer, title="Rack servers (40 units)", estimated_value_cny=Decimal(900000)
    )
    sourcing.invite_supplier(event, make_supplier(), by=buyer)
    sourcing.open_event(event, by=buyer)
    with pytest.raises(ValidationError) as refused:
        sourcing.update_event(event, by=buyer, estimated_value_cny=Decimal(1))
    assert set(refused.value.message_dict) == {"estimated_value_cny"}
    with pytest.raises(ValidationError, match="Criteria are set in the draft"):
        sourcing.add_criterion(event, by=buyer, name="Service", weight=10)
    sourcing.update_event(event, by=buyer, bid_deadline=soon())


def test_people_without_reach_are_refused_as_if_the_event_did_not_exist(
    organisation: Organisation, buyer: Person, security_reader: Person, outsider: Person, make_supplier: Any
) -> None:
    event = draft(buyer, organisation.beijing)
    supplier = make_supplier()
    for person in (security_reader, outsider):
        with pytest.raises(Http404):
            sourcing.invite_supplier(event, supplier, by=person)
        with pytest.raises(Http404):
            sourcing.cancel_event(event, by=person, reason="No")
    with pytest.raises(ValidationError) as refused:
        sourcing.create_event(by=outsider, title="Elsewhere", unit=organisation.beijing, bid_deadline=soon())
    assert set(refused.value.message_dict) == {"unit"}
    assert not Invitation.objects.exists()
