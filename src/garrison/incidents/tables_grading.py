"""Columns of the category and threshold lists, shared by the pages and their exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.library.text import localised
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class LocalisedColumn(ListColumn):
    """A bilingual library text in the reader's language; `accessor` is dotted
    (``"name"`` on the row, ``"parent.name"`` on its category)."""

    def value(self, obj: Any) -> Any:
        *path, field = self.accessor.split(".")
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return localised(obj, field)


CATEGORY_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("code"), "code", sort_key="code", link="incidents:category-detail"),
    LocalisedColumn(_("name"), "name", link="incidents:category-detail"),
    ListColumn(
        _("category"),
        "parent.code",
        sort_key="parent__code",
        link="incidents:category-detail",
        link_arg="parent_id",
    ),
    LocalisedColumn(_("description"), "description"),
)

THRESHOLD_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("metric"), "get_metric_display", sort_key="metric"),
    ListColumn(_("threshold"), "threshold", sort_key="threshold"),
    ListColumn(_("grade"), "get_grade_display", sort_key="grade"),
    ListColumn(_("effective from"), "effective_from", sort_key="effective_from"),
    ListColumn(_("effective until"), "effective_until", sort_key="effective_until"),
    ListColumn(_("source"), "source"),
    ListColumn(_("library"), "library_urn", sort_key="library_urn"),
    ListColumn(
        _("edit"),
        "pk",
        template="incidents/threshold_edit_cell.html",
        exportable=False,
    ),
)
