"""Filters of sourcing events, their records and purchase orders, shared by the web
pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices
from garrison.suppliers.models import (
    Bid,
    BidScore,
    Evaluator,
    Invitation,
    InvitationStatus,
    OrderStatus,
    PurchaseOrder,
    SourcingEvent,
    SourcingKind,
    SourcingStatus,
    Supplier,
    SupplierCategory,
)
from garrison.suppliers.workflows_sourcing import FINISHED_STATUSES

LIVE = "live"
STATUS_CHOICES = [(LIVE, _("Live (not awarded or cancelled)")), *SourcingStatus.choices]


class SourcingEventFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=SourcingKind.choices, label=_("Kind"))
    buyer = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Buyer"))
    category = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(SupplierCategory), label=_("Category")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Supplier), method="filter_supplier", label=_("Invited supplier")
    )

    class Meta:
        model = SourcingEvent
        fields = ["status", "kind", "buyer", "category", "unit", "supplier"]

    def filter_status(self, queryset: models.QuerySet[SourcingEvent], name: str, value: str) -> Any:
        if value == LIVE:
            return queryset.exclude(status__in=FINISHED_STATUSES)
        return queryset.filter(status=value)

    def filter_within(self, queryset: models.QuerySet[SourcingEvent], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_supplier(self, queryset: models.QuerySet[SourcingEvent], name: str, value: Supplier) -> Any:
        return queryset.filter(invitations__supplier=value).distinct()


class SourcingEventListFilter(SourcingEventFilter):
    """The event list's filters: the buyer by username (a list of every person would not load)."""

    buyer = django_filters.CharFilter(
        method="filter_buyer", label=_("Buyer"), help_text=_("The buyer's username.")
    )
    supplier = None

    class Meta(SourcingEventFilter.Meta):
        fields = ["status", "kind", "buyer", "category", "unit"]

    def filter_buyer(self, queryset: models.QuerySet[SourcingEvent], name: str, value: str) -> Any:
        return queryset.filter(buyer__username=value.replace("\x00", "").strip())


class InvitationFilter(ScopedFilterSet):
    event = django_filters.ModelChoiceFilter(queryset=scoped_choices(SourcingEvent), label=_("Event"))
    supplier = django_filters.ModelChoiceFilter(queryset=scoped_choices(Supplier), label=_("Supplier"))
    status = django_filters.ChoiceFilter(choices=InvitationStatus.choices, label=_("Status"))

    class Meta:
        model = Invitation
        fields = ["event", "supplier", "status"]


class BidFilter(ScopedFilterSet):
    event = django_filters.ModelChoiceFilter(queryset=scoped_choices(SourcingEvent), label=_("Event"))
    supplier = django_filters.ModelChoiceFilter(queryset=scoped_choices(Supplier), label=_("Supplier"))

    class Meta:
        model = Bid
        fields = ["event", "supplier", "is_shortlisted"]


class EvaluatorFilter(ScopedFilterSet):
    event = django_filters.ModelChoiceFilter(queryset=scoped_choices(SourcingEvent), label=_("Event"))

    class Meta:
        model = Evaluator
        fields = ["event", "person", "has_conflict"]


class BidScoreFilter(ScopedFilterSet):
    event = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(SourcingEvent), field_name="bid__event", label=_("Event")
    )

    class Meta:
        model = BidScore
        fields = ["event", "bid", "criterion", "evaluator"]


class PurchaseOrderFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Status"))
    supplier = django_filters.ModelChoiceFilter(queryset=scoped_choices(Supplier), label=_("Supplier"))
    event = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(SourcingEvent), label=_("Sourcing event")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier", "event", "unit"]

    def filter_within(self, queryset: models.QuerySet[PurchaseOrder], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)


class PurchaseOrderListFilter(PurchaseOrderFilter):
    """The order list's filters: the supplier by reference (a list of thousands would not load)."""

    supplier = django_filters.CharFilter(
        method="filter_supplier_reference",
        label=_("Supplier"),
        help_text=_("The supplier's reference (SUP-…)."),
    )
    event = None

    class Meta(PurchaseOrderFilter.Meta):
        fields = ["status", "supplier", "unit"]

    def filter_supplier_reference(
        self, queryset: models.QuerySet[PurchaseOrder], name: str, value: str
    ) -> Any:
        return queryset.filter(supplier__reference__iexact=value.replace("\x00", "").strip())
