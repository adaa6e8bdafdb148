"""Columns of the risk register's lists, shared by the web pages and the API exports so
that a file downloaded from either has the same columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.risks.heatmap import level_badge
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class LevelColumn(ListColumn):
    """A risk level: a coloured badge on the page, the level's name in a file.
    `accessor` names the rank field (``current_level``); the row's matrix names it."""

    template: str | None = "risks/cells/level.html"

    def value(self, obj: Any) -> Any:
        *path, name = self.accessor.split(".")
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return level_badge(obj.matrix, getattr(obj, name))


def _reference() -> ListColumn:
    return ListColumn(_("reference"), "reference", sort_key="reference", link="risks:risk-detail")


REGISTER_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(_("title"), "title", sort_key="title", link="risks:risk-detail"),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"),
    ListColumn(
        _("risk owner"),
        "owner.full_name",
        sort_key="owner__full_name",
        link="core:person-detail",
        link_arg="owner_id",
    ),
    LevelColumn(_("inherent level"), "inherent_level", sort_key="inherent_level"),
    LevelColumn(_("current level"), "current_level", sort_key="current_level"),
    ListColumn(_("treatment"), "get_treatment_display", sort_key="treatment"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    # Above appetite and overdue in one column; the exports hold each in its own.
    ListColumn(_("flags"), "is_above_appetite", template="risks/cells/flags.html"),
)

# The register as a file: every rating, the links and the flags, for reports and review.
REGISTER_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(_("title"), "title"),
    ListColumn(_("description"), "description"),
    ListColumn(_("unit"), "unit.name"),
    ListColumn(_("risk owner"), "owner.full_name"),
    ListColumn(_("risk matrix"), "matrix.name"),
    ListColumn(_("assets"), "asset_references"),
    ListColumn(_("threats"), "threat_references"),
    ListColumn(_("existing controls"), "existing_controls"),
    ListColumn(_("inherent likelihood"), "inherent_likelihood"),
    ListColumn(_("inherent impact"), "inherent_impact"),
    LevelColumn(_("inherent level"), "inherent_level"),
    ListColumn(_("current likelihood"), "current_likelihood"),
    ListColumn(_("current impact"), "current_impact"),
    LevelColumn(_("current level"), "current_level"),
    ListColumn(_("target likelihood"), "target_likelihood"),
    ListColumn(_("target impact"), "target_impact"),
    LevelColumn(_("target level"), "target_level"),
    ListColumn(_("treatment"), "get_treatment_display"),
    ListColumn(_("status"), "get_status_display"),
    ListColumn(_("above appetite"), "is_above_appetite"),
    ListColumn(_("overdue actions"), "is_overdue"),
    ListColumn(_("last reviewed"), "last_reviewed_at"),
)

TREATMENT_ACTION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title"),
    ListColumn(
        _("risk scenario"),
        "scenario.reference",
        sort_key="scenario__reference",
        link="risks:risk-detail",
        link_arg="scenario_id",
    ),
    ListColumn(_("owner"), "owner.full_name", sort_key="owner__full_name"),
    ListColumn(_("due date"), "due_on", sort_key="due_on"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("completed on"), "completed_on", sort_key="completed_on"),
)

ACCEPTANCE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(
        _("risk scenario"),
        "scenario",
        sort_key="scenario__reference",
        link="risks:risk-detail",
        link_arg="scenario_id",
    ),
    LevelColumn(_("current level"), "scenario.current_level"),
    ListColumn(_("unit"), "scenario.unit.name"),
    ListColumn(_("requested by"), "requested_by.full_name", sort_key="requested_by__full_name"),
    ListColumn(_("requested at"), "requested_at", sort_key="requested_at"),
    ListColumn(_("expires on"), "expires_on", sort_key="expires_on"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("justification"), "justification"),
)
