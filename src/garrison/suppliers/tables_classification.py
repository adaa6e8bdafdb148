"""Columns of the status-change and rectification-plan lists, shared by the pages and
their CSV/XLSX exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.suppliers.models import RectificationPlan, StatusChange
from garrison.web.links import object_url
from garrison.web.lists import ListColumn

CHANGE_ACTIONS_CELL = "suppliers/classification_change_actions_cell.html"
PLAN_DUE_CELL = "suppliers/classification_plan_due_cell.html"


@dataclass(frozen=True)
class SupplierColumn(ListColumn):
    """The supplier of a row, linked to its page (once the supplier pages exist)."""

    def value(self, obj: Any) -> Any:
        return str(obj.supplier)

    def url(self, obj: Any) -> str | None:
        return object_url("suppliers.supplier", obj.supplier_id)


@dataclass(frozen=True)
class PersonColumn(ListColumn):
    """A person's name, or "system" when no person acted."""

    def value(self, obj: Any) -> Any:
        person = getattr(obj, self.accessor)
        return (person.full_name or person.username) if person is not None else str(_("system"))


STATUS_CHANGE_QUERYSET = StatusChange.objects.select_related(
    "supplier", "supplier__unit", "proposed_by", "decided_by"
)

STATUS_CHANGE_COLUMNS: tuple[ListColumn, ...] = (
    SupplierColumn(_("supplier"), "supplier", sort_key="supplier__reference"),
    ListColumn(_("from"), "get_from_status_display", sort_key="from_status"),
    ListColumn(_("to"), "get_to_status_display", sort_key="to_status"),
    ListColumn(_("suspended until"), "suspended_until", sort_key="suspended_until"),
    ListColumn(_("reason"), "reason"),
    ListColumn(_("source"), "get_source_display", sort_key="source"),
    ListColumn(_("state"), "get_state_display", sort_key="state"),
    PersonColumn(_("proposed by"), "proposed_by"),
    ListColumn(_("proposed at"), "proposed_at", sort_key="proposed_at"),
    PersonColumn(_("decided by"), "decided_by"),
    ListColumn(_("decided at"), "decided_at", sort_key="decided_at"),
    ListColumn(_("decision note"), "decision_note"),
    ListColumn(_("actions"), "pk", template=CHANGE_ACTIONS_CELL, exportable=False),
)

PLAN_QUERYSET = RectificationPlan.objects.select_related("supplier", "owner")

PLAN_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title", link="suppliers:plan-detail"),
    SupplierColumn(_("supplier"), "supplier", sort_key="supplier__reference"),
    ListColumn(_("supplier status"), "supplier.get_status_display", sort_key="supplier__status"),
    ListColumn(_("follow-up owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("due on"), "due_on", sort_key="due_on", template=PLAN_DUE_CELL),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("completed at"), "completed_at", sort_key="completed_at"),
)
