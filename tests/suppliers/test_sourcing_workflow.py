"""The sourcing workflow's guards: what each step waits for, said in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from garrison.core.models import Person
from garrison.suppliers.models import SourcingEvent, SourcingStatus
from garrison.suppliers.services import evaluation, sourcing
from garrison.suppliers.workflows_sourcing import SourcingWorkflow
from tests.conftest import Organisation
from tests.suppliers.sourcing_support import *  # noqa: F403
from tests.suppliers.sourcing_support import (
    draft,
    end_publicity,
    in_evaluation,
    open_with_bids,
    score_all,
    soon,
)

pytestmark = pytest.mark.django_db


def test_the_table_allows_cancelling_only_before_the_award() -> None:
    for status in (
        SourcingStatus.DRAFT,
        SourcingStatus.OPEN,
        SourcingStatus.EVALUATION,
        SourcingStatus.SHORTLISTED,
    ):
        assert SourcingWorkflow.check_source(status, "cancel").requires_reason
    for status in (SourcingStatus.AWARDED, SourcingStatus.CANCELLED):
        with pytest.raises(ValidationError, match="no step is allowed"):
            SourcingWorkflow.check_source(status, "cancel")


def test_opening_waits_for_an_invitation_weighted_criteria_and_a_future_deadline(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    event = sourcing.create_event(by=buyer, title="Cabling", unit=organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        sourcing.open_event(event, by=buyer)
    message = refused.value.messages[0]
    for part in (
        "Invite at least one supplier",
        "Add at least one evaluation criterion",
        "Set the bid deadline",
    ):
        assert part in message
    sourcing.invite_supplier(event, make_supplier(), by=buyer)
    sourcing.add_criterion(event, by=buyer, name="Price", weight=1)
    SourcingEvent.objects.filter(pk=event.pk).update(bid_deadline=timezone.now() - dt.timedelta(hours=1))
    event.refresh_from_db()
    with pytest.raises(ValidationError, match="The bid deadline has passed"):
        sourcing.open_event(event, by=buyer)
    sourcing.update_event(event, by=buyer, bid_deadline=soon())
    sourcing.open_event(event, by=buyer)
    assert event.status == SourcingStatus.OPEN


def test_a_weight_of_zero_is_refused(organisation: Organisation, buyer: Person) -> None:
    event = draft(buyer, organisation.beijing)
    with pytest.raises(ValidationError) as refused:
        sourcing.add_criterion(event, by=buyer, name="Service", weight=0)
    assert set(refused.value.message_dict) == {"weight"}
    with pytest.raises(ValidationError, match="already has the criterion"):
        sourcing.add_criterion(event, by=buyer, name="price", weight=5)


def test_closing_early_needs_a_reason_and_at_least_one_bid(
    organisation: Organisation, buyer: Person, make_supplier: Any
) -> None:
    event = draft(buyer, organisation.beijing)
    sourcing.invite_supplier(event, make_supplier(), by=buyer)
    sourcing.open_event(event, by=buyer)
    with pytest.raises(ValidationError) as refused:
        sourcing.close_bidding(event, by=buyer)
    assert set(refused.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError, match="No bid has been recorded"):
        sourcing.close_bidding(event, by=buyer, reason="Everyone answered")
    event = open_with_bids(buyer, organisation.beijing, [make_supplier()])
    sourcing.close_bidding(event, by=buyer, reason="Everyone answered")
    assert event.status == SourcingStatus.EVALUATION
    assert "closed early" in event.steps.last().description  # type: ignore[union-attr]


def test_the_shortlist_waits_for_every_declaration_and_every_score(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    first, second = make_supplier(), make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [first, second])
    bids = list(event.bids.all())
    with pytest.raises(ValidationError, match="Add an evaluator without a conflict"):
        sourcing.announce_shortlist(event, by=buyer, bids=bids)
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    with pytest.raises(
        ValidationError, match="Waiting for the conflict-of-interest declaration of: Evaluator"
    ):
        sourcing.announce_shortlist(event, by=buyer, bids=bids)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    evaluation.score_bid(bids[0], event.criteria.first(), by=evaluator_person, score=50)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Waiting for the scores of: Evaluator"):
        sourcing.announce_shortlist(event, by=buyer, bids=bids)
    score_all(event, evaluator_person, {first.pk: 60, second.pk: 75})
    with pytest.raises(ValidationError) as refused:
        sourcing.announce_shortlist(event, by=buyer, bids=[], publicity_days=0)
    assert set(refused.value.message_dict) == {"bids", "publicity_days"}
    sourcing.announce_shortlist(event, by=buyer, bids=bids, publicity_days=3)
    event.refresh_from_db()
    assert event.status == SourcingStatus.SHORTLISTED
    assert dt.timedelta(days=2, hours=23) < event.publicity_ends_at - timezone.now() <= dt.timedelta(days=3)  # type: ignore[operator]
    assert list(event.bids.order_by("rank").values_list("supplier", flat=True)) == [second.pk, first.pk]


def test_scores_are_taken_only_from_0_to_100_during_the_evaluation(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    supplier = make_supplier()
    event = open_with_bids(buyer, organisation.beijing, [supplier])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    bid, criterion = event.bids.get(), event.criteria.first()
    assert criterion is not None
    with pytest.raises(ValidationError, match="during the evaluation"):
        evaluation.score_bid(bid, criterion, by=evaluator_person, score=50)
    SourcingEvent.objects.filter(pk=event.pk).update(status=SourcingStatus.EVALUATION)
    event.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        evaluation.score_bid(bid, criterion, by=evaluator_person, score=101)
    assert set(refused.value.message_dict) == {"score"}
    with pytest.raises(ValidationError, match="Only the event's evaluators"):
        evaluation.score_bid(bid, criterion, by=buyer, score=50)
    evaluation.score_bid(bid, criterion, by=evaluator_person, score=50)
    evaluation.score_bid(bid, criterion, by=evaluator_person, score="72.5")
    assert str(bid.scores.get().score) == "72.50"


def test_the_award_waits_for_the_publicity_period_and_a_shortlisted_bidder(
    organisation: Organisation, buyer: Person, evaluator_person: Person, make_supplier: Any
) -> None:
    chosen, left_out, stranger = make_supplier(), make_supplier(), make_supplier()
    event = in_evaluation(buyer, organisation.beijing, [chosen, left_out])
    evaluator = evaluation.add_evaluator(event, evaluator_person, by=buyer)
    evaluation.sign_declaration(evaluator, by=evaluator_person, has_conflict=False)
    score_all(event, evaluator_person, {chosen.pk: 90, left_out.pk: 40})
    sourcing.announce_shortlist(event, by=buyer, bids=[event.bids.get(supplier=chosen)])
    end_publicity(event)
    with pytest.raises(ValidationError, match="not on the shortlist"):
        sourcing.award(event, left_out, by=buyer, reason="Cheaper")
    with pytest.raises(ValidationError, match="did not bid"):
        sourcing.award(event, stranger, by=buyer, reason="Friend")
    with pytest.raises(ValidationError) as refused:
        sourcing.award(event, chosen, by=buyer, reason=" ")
    assert set(refused.value.message_dict) == {"reason"}
    sourcing.award(event, chosen, by=buyer, reason="Highest score")
    with pytest.raises(ValidationError, match="no step is allowed"):
        sourcing.cancel_event(event, by=buyer, reason="Too late")
