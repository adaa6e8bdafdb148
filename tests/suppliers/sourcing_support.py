"""Helpers of the sourcing tests: an event made through the services and moved along its
workflow, evaluators, and the deadline moved into the past (bids close by the clock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from garrison.core.models import Person
from garrison.core.roles import Role
from garrison.suppliers.models import SourcingEvent, Supplier
from garrison.suppliers.services import evaluation, sourcing

# Star-imported by the tests: only the fixtures.
__all__ = ["evaluator_person"]


def soon() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=7)


def pass_deadline(event: SourcingEvent) -> None:
    SourcingEvent.objects.filter(pk=event.pk).update(bid_deadline=timezone.now() - dt.timedelta(minutes=1))
    event.refresh_from_db()


def end_publicity(event: SourcingEvent) -> None:
    SourcingEvent.objects.filter(pk=event.pk).update(
        publicity_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )
    event.refresh_from_db()


def draft(buyer: Person, unit: Any, **fields: Any) -> SourcingEvent:
    fields.setdefault("title", "Rack servers for the Beijing data centre")
    fields.setdefault("bid_deadline", soon())
    event = sourcing.create_event(by=buyer, unit=unit, **fields)
    sourcing.add_criterion(event, by=buyer, name="Price", weight=60)
    sourcing.add_criterion(event, by=buyer, name="Quality", weight=40)
    return event


def open_with_bids(buyer: Person, unit: Any, suppliers: list[Supplier]) -> SourcingEvent:
    event = draft(buyer, unit)
    for supplier in suppliers:
        sourcing.invite_supplier(event, supplier, by=buyer)
    sourcing.open_event(event, by=buyer)
    for number, supplier in enumerate(suppliers, start=1):
        sourcing.record_bid(event, supplier, by=buyer, price_cny=1000 * number, delivery_days=30)
    return event


def in_evaluation(buyer: Person, unit: Any, suppliers: list[Supplier]) -> SourcingEvent:
    event = open_with_bids(buyer, unit, suppliers)
    pass_deadline(event)
    sourcing.close_bidding(event, by=buyer)
    return event


def score_all(event: SourcingEvent, evaluator: Person, values: dict[int, int]) -> None:
    """Score each bid (by supplier id) with the same value on every criterion."""
    entries = [
        evaluation.ScoreEntry(bid, criterion, values[bid.supplier_id])
        for bid in event.bids.all()
        for criterion in event.criteria.all()
    ]
    evaluation.score_bids(event, by=evaluator, entries=entries)


@pytest.fixture
def evaluator_person(organisation: Any, make_person: Any) -> Person:
    """A Compliance Manager of Beijing: reads suppliers there, so may evaluate."""
    return make_person("evaluator", organisation.beijing, (Role.COMPLIANCE_MANAGER, organisation.beijing))
