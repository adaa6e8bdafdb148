"""Columns of the screening lists (candidate matches, watch lists, a list's entries,
screening runs), shared by the pages and their CSV/XLSX exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.suppliers.models import ScreeningMatch, ScreeningRun, WatchList, WatchListEntry
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class PersonColumn(ListColumn):
    """A person's name, or "system" when no person acted."""

    def value(self, obj: Any) -> Any:
        person = getattr(obj, self.accessor)
        return (person.full_name or person.username) if person is not None else str(_("system"))


@dataclass(frozen=True)
class ListedColumn(ListColumn):
    """A list of identifiers, separated by semicolons as the CSV format writes them."""

    def value(self, obj: Any) -> Any:
        return "; ".join(super().value(obj) or []) or None


MATCH_QUERYSET = ScreeningMatch.objects.select_related("supplier", "entry", "entry__watch_list", "decided_by")

MATCH_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(
        _("supplier"), "supplier.reference", sort_key="supplier__reference", link="suppliers:match-detail"
    ),
    ListColumn(_("supplier name"), "supplier.display_name", link="suppliers:match-detail"),
    ListColumn(_("listed name"), "entry.name", sort_key="entry__name"),
    ListColumn(_("watch list"), "entry.watch_list.name", sort_key="entry__watch_list__name"),
    ListColumn(_("score"), "score", sort_key="score"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("found at"), "found_at", sort_key="found_at"),
)

MATCH_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("supplier"), "supplier.reference"),
    ListColumn(_("supplier name"), "supplier.name"),
    ListColumn(_("supplier English name"), "supplier.name_en"),
    ListColumn(_("listed name"), "entry.name"),
    ListedColumn(_("listed identifiers"), "entry.identifiers"),
    ListColumn(_("watch list"), "entry.watch_list.name"),
    ListColumn(_("score"), "score"),
    ListColumn(_("status"), "get_status_display"),
    ListColumn(_("found at"), "found_at"),
    PersonColumn(_("decided by"), "decided_by"),
    ListColumn(_("decided at"), "decided_at"),
    ListColumn(_("decision note"), "decision_note"),
)

WATCH_LIST_QUERYSET = WatchList.objects.select_related("imported_by")

WATCH_LIST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("name"), "name", sort_key="name", link="suppliers:watchlist-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("entries"), "entry_count", sort_key="entry_count"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
    ListColumn(_("source"), "source"),
    ListColumn(_("imported at"), "imported_at", sort_key="imported_at"),
    PersonColumn(_("imported by"), "imported_by"),
)

ENTRY_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("name"), "name", sort_key="name"),
    ListColumn(_("normalised name"), "normalised_name", sort_key="normalised_name"),
    ListedColumn(_("identifiers"), "identifiers"),
    ListColumn(_("country or region"), "country", sort_key="country"),
    ListColumn(_("reason listed"), "reason"),
    ListColumn(_("list reference"), "reference", sort_key="reference"),
)

ENTRY_QUERYSET = WatchListEntry.objects.all()

RUN_QUERYSET = ScreeningRun.objects.select_related("started_by")

RUN_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("started at"), "started_at", sort_key="started_at"),
    ListColumn(_("trigger"), "get_trigger_display", sort_key="trigger"),
    PersonColumn(_("started by"), "started_by"),
    ListColumn(_("suppliers screened"), "suppliers_screened"),
    ListColumn(_("watch-list entries"), "entries_compared"),
    ListColumn(_("new candidate matches"), "new_matches", sort_key="new_matches"),
    ListColumn(_("finished at"), "finished_at"),
)
