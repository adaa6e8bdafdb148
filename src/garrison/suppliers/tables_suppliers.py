"""Columns of the supplier list, shared by the web page and the exports (web and API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from garrison.suppliers import regions
from garrison.suppliers.models import Supplier, SupplierCategory
from garrison.web.lists import ListColumn

# What a row of the list reads, in one query plus one for the page's categories.
SUPPLIER_QUERYSET = Supplier.objects.select_related("unit", "manager").prefetch_related("categories")


@dataclass(frozen=True)
class CategoriesColumn(ListColumn):
    """The supplier's category names, from the prefetch cache."""

    def value(self, obj: Any) -> Any:
        names = sorted(category.name for category in obj.categories.all())
        return ", ".join(names) or None


@dataclass(frozen=True)
class CountryColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        return regions.country_name(obj.country)


def _reference() -> ListColumn:
    return ListColumn(
        gettext_lazy("reference"), "reference", sort_key="reference", link="suppliers:supplier-detail"
    )


SUPPLIER_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("name"), "name", sort_key="name", link="suppliers:supplier-detail"),
    ListColumn(gettext_lazy("English name"), "name_en", sort_key="name_en", link="suppliers:supplier-detail"),
    ListColumn(gettext_lazy("region"), "get_region_display", sort_key="region"),
    ListColumn(gettext_lazy("status"), "get_status_display", sort_key="status"),
    ListColumn(gettext_lazy("tier"), "get_tier_display", sort_key="tier"),
    CategoriesColumn(gettext_lazy("categories"), "categories"),
    ListColumn(gettext_lazy("ESG score"), "esg_score", sort_key="esg_score"),
    ListColumn(gettext_lazy("security score"), "security_score", sort_key="security_score"),
    ListColumn(gettext_lazy("performance score"), "performance_score", sort_key="performance_score"),
)

SUPPLIER_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("legal name (Chinese)"), "name"),
    ListColumn(gettext_lazy("legal name (English)"), "name_en"),
    ListColumn(gettext_lazy("unified social credit code"), "credit_code"),
    ListColumn(gettext_lazy("registration number"), "registration_number"),
    ListColumn(gettext_lazy("country or region"), "country"),
    CountryColumn(gettext_lazy("country name"), "country"),
    ListColumn(gettext_lazy("region"), "get_region_display"),
    ListColumn(gettext_lazy("status"), "get_status_display"),
    ListColumn(gettext_lazy("criticality tier"), "get_tier_display"),
    CategoriesColumn(gettext_lazy("categories"), "categories"),
    ListColumn(gettext_lazy("owning unit"), "unit.name"),
    ListColumn(gettext_lazy("supplier manager"), "manager.full_name"),
    ListColumn(gettext_lazy("access path"), "get_access_path_display"),
    ListColumn(gettext_lazy("ESG score"), "esg_score"),
    ListColumn(gettext_lazy("security score"), "security_score"),
    ListColumn(gettext_lazy("performance score"), "performance_score"),
    ListColumn(gettext_lazy("performance standing"), "performance_band"),
)

CATEGORY_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("code"), "code", sort_key="code"),
    ListColumn(gettext_lazy("name"), "name", sort_key="name"),
    ListColumn(gettext_lazy("Chinese name"), "name_zh", sort_key="name_zh"),
    ListColumn(gettext_lazy("description"), "description"),
    ListColumn(gettext_lazy("active"), "is_active", sort_key="is_active"),
    ListColumn(gettext_lazy("actions"), "pk", template="suppliers/category_edit_cell.html", exportable=False),
)

__all__ = [
    "CATEGORY_COLUMNS",
    "SUPPLIER_COLUMNS",
    "SUPPLIER_EXPORT_COLUMNS",
    "SUPPLIER_QUERYSET",
    "SupplierCategory",
]
