"""Columns of the inventory: the list page's, and the export's, which are the import format.

The web list and the API export share `EXPORT_COLUMNS`, so a file downloaded from
either imports back unchanged (garrison.assets.services.import_format).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.assets.services.import_format import FORMAT_COLUMNS, export_value, sorted_tag_names
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class FormatListColumn(ListColumn):
    """A column of the inventory file: its value is the cell the import reads back."""

    key: str = ""

    def value(self, obj: Any) -> Any:
        return export_value(obj, self.key)


@dataclass(frozen=True)
class TagsColumn(ListColumn):
    """The asset's tag names, in name order (a related manager cannot be read as an attribute path)."""

    def value(self, obj: Any) -> Any:
        return sorted_tag_names(obj)


# Sort keys let an export keep the order the list was sorted in.
_SORT_KEYS = {
    "reference": "reference",
    "name": "name",
    "asset_type": "asset_type",
    "owner": "owner__username",
    "unit": "unit__code",
    "lifecycle_status": "lifecycle_status",
    "criticality": "criticality",
    "is_critical_system": "is_critical_system",
}

EXPORT_COLUMNS = tuple(
    FormatListColumn(column.label, column.key, key=column.key, sort_key=_SORT_KEYS.get(column.key))
    for column in FORMAT_COLUMNS
)

LIST_COLUMNS = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="assets:asset-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="assets:asset-detail"),
    ListColumn(_("type"), "get_asset_type_display", sort_key="asset_type"),
    ListColumn(
        _("owner"),
        "owner.full_name",
        sort_key="owner__full_name",
        link="core:person-detail",
        link_arg="owner_id",
    ),
    ListColumn(
        _("custodian unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"
    ),
    ListColumn(
        _("classification"),
        "classification",
        sort_key="classification",
        template="assets/cells/classification.html",
    ),
    ListColumn(
        _("effective criticality"),
        "effective_criticality",
        sort_key="effective_criticality",
        template="assets/cells/criticality.html",
    ),
    ListColumn(_("critical system"), "is_critical_system", sort_key="is_critical_system"),
    ListColumn(_("lifecycle status"), "get_lifecycle_status_display", sort_key="lifecycle_status"),
    ListColumn(
        _("needs review"), "needs_review", sort_key="needs_review", template="assets/cells/review.html"
    ),
)
