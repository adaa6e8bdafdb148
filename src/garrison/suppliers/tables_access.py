"""Columns of the access application list, shared by the web page and the exports (web
and API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from garrison.suppliers.models import AccessApplication
from garrison.web.links import object_url
from garrison.web.lists import ListColumn

APPLICATION_QUERYSET = AccessApplication.objects.select_related("supplier", "supplier__unit", "requested_by")


@dataclass(frozen=True)
class SupplierColumn(ListColumn):
    """The supplier's name, linked to its page (once the supplier pages are there)."""

    def value(self, obj: Any) -> Any:
        return str(obj.supplier)

    def url(self, obj: Any) -> str | None:
        return object_url("suppliers.supplier", obj.supplier_id)


def _reference() -> ListColumn:
    return ListColumn(
        gettext_lazy("reference"), "reference", sort_key="reference", link="suppliers:application-detail"
    )


APPLICATION_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    SupplierColumn(gettext_lazy("supplier"), "supplier", sort_key="supplier__reference"),
    ListColumn(gettext_lazy("access path"), "get_path_display", sort_key="path"),
    ListColumn(gettext_lazy("status"), "get_status_display", sort_key="status"),
    ListColumn(gettext_lazy("requested by"), "requested_by.full_name", sort_key="requested_by__full_name"),
    ListColumn(gettext_lazy("started"), "created_at", sort_key="created_at"),
    ListColumn(gettext_lazy("publicity ends"), "publicity_ends_at", sort_key="publicity_ends_at"),
    ListColumn(gettext_lazy("complete review due"), "full_review_due", sort_key="full_review_due"),
)

APPLICATION_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("supplier reference"), "supplier.reference"),
    ListColumn(gettext_lazy("supplier"), "supplier.display_name"),
    ListColumn(gettext_lazy("owning unit"), "supplier.unit.name"),
    ListColumn(gettext_lazy("access path"), "get_path_display"),
    ListColumn(gettext_lazy("status"), "get_status_display"),
    ListColumn(gettext_lazy("why this path"), "justification"),
    ListColumn(gettext_lazy("expected contract value (CNY)"), "contract_value_cny"),
    ListColumn(gettext_lazy("requested by"), "requested_by.full_name"),
    ListColumn(gettext_lazy("started"), "created_at"),
    ListColumn(gettext_lazy("publicity starts"), "publicity_starts_at"),
    ListColumn(gettext_lazy("publicity ends"), "publicity_ends_at"),
    ListColumn(gettext_lazy("decided at"), "decided_at"),
    ListColumn(gettext_lazy("complete review due"), "full_review_due"),
)
