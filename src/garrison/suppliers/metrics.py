"""The figures of the supplier dashboard and of the supplier tiles on the home dashboard.

Every query starts from what the person may see (garrison.core.scoping.restrict), so two
people looking at the same dashboard see the counts of their own part of the register.
The register's counts by region, status and tier come from one grouped query, those by
category from a second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.models import (
    SUBSTANDARD_STATUSES,
    ActionStatus,
    MatchStatus,
    PlanStatus,
    QualificationDocument,
    RectificationAction,
    ScreeningMatch,
    SourcingEvent,
    SourcingStatus,
    StatusChange,
    StatusChangeState,
    Supplier,
    SupplierCategory,
)

DOCUMENT_HORIZON_DAYS = 90
RECTIFICATION_HORIZON_DAYS = 30
LIVE_EVENT_STATUSES = (SourcingStatus.OPEN, SourcingStatus.EVALUATION, SourcingStatus.SHORTLISTED)


@dataclass
class RegisterCounts:
    """How many suppliers the person may see, by region, status and criticality tier."""

    total: int = 0
    by_region: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_tier: dict[str, int] = field(default_factory=dict)

    @property
    def substandard(self) -> int:
        return sum(self.by_status.get(status, 0) for status in SUBSTANDARD_STATUSES)


def visible_suppliers(person: Any) -> models.QuerySet[Supplier]:
    return restrict(Supplier.objects.all(), person, Action.VIEW)


def _tally(suppliers: models.QuerySet[Supplier], field_name: str) -> dict[str, int]:
    rows = suppliers.values(field_name).annotate(number=models.Count("*")).order_by()
    return {row[field_name]: row["number"] for row in rows}


def register_counts(person: Any) -> RegisterCounts:
    """Three small grouped counts: one over (region, status, tier) together sorts the whole
    register and is several times slower at 100,000 suppliers (benchmarks/supplier_list.py)."""
    suppliers = visible_suppliers(person)
    by_status = _tally(suppliers, "status")
    return RegisterCounts(
        total=sum(by_status.values()),
        by_region=_tally(suppliers, "region"),
        by_status=by_status,
        by_tier=_tally(suppliers, "tier"),
    )


def counts_by_category(person: Any) -> list[tuple[SupplierCategory, int]]:
    """Every active category (and any inactive one still holding suppliers) with the number
    of visible suppliers in it, biggest first; a supplier in two categories counts in both."""
    suppliers = visible_suppliers(person)
    links = Supplier.categories.through.objects.all()
    if suppliers.query.has_filters():
        # Someone who sees part of the register; whoever sees all of it counts the links alone.
        links = links.filter(supplier__in=suppliers.values("pk"))
    rows = links.values("suppliercategory_id").annotate(number=models.Count("*")).order_by()
    numbers = {row["suppliercategory_id"]: row["number"] for row in rows}
    categories = SupplierCategory.objects.filter(models.Q(is_active=True) | models.Q(pk__in=list(numbers)))
    return sorted(
        ((category, numbers.get(category.pk, 0)) for category in categories),
        key=lambda item: (-item[1], item[0].name),
    )


def expiring_documents(
    person: Any, today: dt.date, days: int = DOCUMENT_HORIZON_DAYS
) -> models.QuerySet[QualificationDocument]:
    """Documents expired or expiring within `days`, soonest first."""
    documents = QualificationDocument.objects.filter(expires_on__lte=today + dt.timedelta(days=days))
    return restrict(documents, person, Action.VIEW).order_by("expires_on", "pk")


def rectification_actions_due(
    person: Any, today: dt.date, days: int = RECTIFICATION_HORIZON_DAYS
) -> models.QuerySet[RectificationAction]:
    """Open actions of open plans that are overdue or due within `days`, soonest first."""
    actions = RectificationAction.objects.filter(
        status=ActionStatus.OPEN,
        plan__status=PlanStatus.OPEN,
        due_on__lte=today + dt.timedelta(days=days),
    )
    return restrict(actions, person, Action.VIEW).order_by("due_on", "pk")


def pending_status_changes(person: Any) -> models.QuerySet[StatusChange]:
    changes = StatusChange.objects.filter(state=StatusChangeState.PROPOSED)
    return restrict(changes, person, Action.VIEW).order_by("proposed_at", "pk")


def live_events_by_status(person: Any) -> dict[str, int]:
    events = restrict(SourcingEvent.objects.filter(status__in=LIVE_EVENT_STATUSES), person, Action.VIEW)
    rows = events.values("status").annotate(number=models.Count("pk")).order_by()
    return {row["status"]: row["number"] for row in rows}


def pending_matches(person: Any) -> models.QuerySet[ScreeningMatch]:
    return restrict(ScreeningMatch.objects.filter(status=MatchStatus.PENDING), person, Action.VIEW)
