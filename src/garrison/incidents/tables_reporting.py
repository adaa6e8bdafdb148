"""Columns of the reporting deadlines list, shared by the page and its CSV/XLSX export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class TranslatedColumn(ListColumn):
    """Rule texts are stored in their English source and translated when shown."""

    def value(self, obj: Any) -> Any:
        value = super().value(obj)
        return gettext(value) if isinstance(value, str) and value else value


@dataclass(frozen=True)
class DueCell:
    due_at: dt.datetime | None
    is_overdue: bool


@dataclass(frozen=True)
class DueColumn(ListColumn):
    """The due time with its live countdown and the overdue mark (pages only; a file
    holds the plain time)."""

    template: str | None = "incidents/obligation_due_cell.html"

    def value(self, obj: Any) -> Any:
        due_at = obj.due_at
        return DueCell(due_at, due_at is not None and due_at < timezone.now())


DEADLINE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(
        _("case"),
        "incident.reference",
        sort_key="incident__reference",
        link="incidents:incident-detail",
        link_arg="incident_id",
    ),
    ListColumn(_("title"), "incident.title"),
    ListColumn(_("report"), "get_kind_display", sort_key="kind"),
    TranslatedColumn(_("recipient"), "recipient", sort_key="recipient"),
    DueColumn(_("due"), "due_at", sort_key="due_at"),
    ListColumn(_("grade"), "get_grade_display"),
    ListColumn(_("handler"), "incident.handler.full_name"),
    ListColumn(_("unit"), "incident.unit.name"),
)

DEADLINE_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    *(
        ListColumn(column.label, column.accessor) if isinstance(column, DueColumn) else column
        for column in DEADLINE_COLUMNS
    ),
    TranslatedColumn(_("basis"), "basis"),
)
