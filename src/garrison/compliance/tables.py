"""Columns of the framework library's lists, shared by the web pages and their exports so
that a downloaded file has the columns the page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.library.text import localised
from garrison.web.lists import ListColumn


@dataclass(frozen=True)
class LocalisedColumn(ListColumn):
    """A bilingual library text (`name`/`name_zh`) in the reader's language, on the page and
    in the exported file. `accessor` names the object holding the text and the field,
    dotted: ``"name"`` on the row itself, ``"source.name"`` on the row's source."""

    def value(self, obj: Any) -> Any:
        *path, field = self.accessor.split(".")
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return localised(obj, field)


FRAMEWORK_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:framework-detail"),
    LocalisedColumn(_("name"), "name", sort_key="name", link="compliance:framework-detail"),
    ListColumn(_("provider"), "provider", sort_key="provider"),
    ListColumn(_("origin"), "get_origin_display", sort_key="origin"),
    ListColumn(_("requirements"), "requirement_count", sort_key="requirement_count"),
    ListColumn(_("library"), "library_urn", sort_key="library_urn"),
)

MAPPING_SET_COLUMNS: tuple[ListColumn, ...] = (
    LocalisedColumn(_("name"), "name", sort_key="name", link="compliance:mapping-detail"),
    ListColumn(
        _("source framework"),
        "source_framework.reference",
        sort_key="source_framework__reference",
        link="compliance:framework-detail",
        link_arg="source_framework_id",
    ),
    ListColumn(
        _("target framework"),
        "target_framework.reference",
        sort_key="target_framework__reference",
        link="compliance:framework-detail",
        link_arg="target_framework_id",
    ),
    ListColumn(_("relations"), "relation_count", sort_key="relation_count"),
    ListColumn(_("library"), "library_urn", sort_key="library_urn"),
)

# The relations of one mapping set, on its page and in its export.
RELATION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(
        _("source requirement"),
        "source.reference",
        sort_key="source__order",
        link="compliance:requirement-detail",
        link_arg="source_id",
    ),
    LocalisedColumn(_("source name"), "source.name"),
    ListColumn(_("relation"), "get_relation_display", sort_key="relation"),
    ListColumn(
        _("target requirement"),
        "target.reference",
        sort_key="target__order",
        link="compliance:requirement-detail",
        link_arg="target_id",
    ),
    LocalisedColumn(_("target name"), "target.name"),
    ListColumn(_("strength"), "strength", sort_key="strength"),
    ListColumn(_("rationale"), "rationale"),
)

REFERENCE_CONTROL_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:reference-control-detail"),
    LocalisedColumn(_("name"), "name", sort_key="name", link="compliance:reference-control-detail"),
    ListColumn(_("category"), "category", sort_key="category"),
    ListColumn(_("function"), "function", sort_key="function"),
    ListColumn(_("requirements"), "requirement_count", sort_key="requirement_count"),
    ListColumn(_("library"), "library_urn", sort_key="library_urn"),
)
