"""Columns of the sourcing event and purchase order lists, shared by the web pages and
the exports (web and API)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from garrison.suppliers.models import PurchaseOrder, SourcingEvent
from garrison.web.lists import ListColumn

EVENT_QUERYSET = SourcingEvent.objects.select_related("buyer", "unit", "category", "awarded_supplier")
ORDER_QUERYSET = PurchaseOrder.objects.select_related("supplier", "event", "unit", "placed_by")

EVENT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="suppliers:event-detail"),
    ListColumn(_("title"), "title", sort_key="title", link="suppliers:event-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("category"), "category", sort_key="category__name"),
    ListColumn(_("buyer"), "buyer.full_name", sort_key="buyer__full_name"),
    ListColumn(_("bids due"), "bid_deadline", sort_key="bid_deadline"),
    ListColumn(_("awarded to"), "awarded_supplier.display_name", sort_key="awarded_supplier__name"),
)

EVENT_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    *EVENT_COLUMNS,
    ListColumn(_("owning unit"), "unit.name"),
    ListColumn(_("estimated value (CNY)"), "estimated_value_cny"),
    ListColumn(_("publicity ends"), "publicity_ends_at"),
    ListColumn(_("awarded at"), "awarded_at"),
    ListColumn(_("reason for the award"), "award_reason"),
    ListColumn(_("created at"), "created_at"),
)

ORDER_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="suppliers:order-detail"),
    ListColumn(_("title"), "title", sort_key="title", link="suppliers:order-detail"),
    ListColumn(_("supplier"), "supplier.display_name", sort_key="supplier__name"),
    ListColumn(_("amount (CNY)"), "amount_cny", sort_key="amount_cny"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("sourcing event"), "event.reference", sort_key="event__reference"),
    ListColumn(_("placed at"), "placed_at", sort_key="placed_at"),
)

ORDER_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    *ORDER_COLUMNS,
    ListColumn(_("owning unit"), "unit.name"),
    ListColumn(_("placed by"), "placed_by.full_name"),
)
