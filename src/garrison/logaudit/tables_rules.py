"""Columns and filters of the detection-rule list, shared by the web page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.logaudit.models import DetectionRule, RuleLevel, RuleOrigin
from garrison.web.lists import ListColumn

RULE_QUERYSET = DetectionRule.objects.all()
LOGSOURCE_KEYS = ("product", "category", "service")


def logsource_label(logsource: dict[str, Any] | None) -> str:
    """The parts of a Sigma log source that are given: "linux / process_creation"."""
    values = [str(logsource.get(key)) for key in LOGSOURCE_KEYS if logsource and logsource.get(key)]
    return " / ".join(values)


class LogsourceColumn(ListColumn):
    """The rule's Sigma log source, its parts joined."""

    def value(self, obj: Any) -> Any:
        return logsource_label(getattr(obj, "logsource", None))


RULE_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("title"), "title", sort_key="title", link="logaudit:rule-detail"),
    ListColumn(_("level"), "get_level_display", sort_key="level"),
    ListColumn(_("origin"), "get_origin_display", sort_key="origin"),
    LogsourceColumn(_("log source"), "logsource"),
    ListColumn(_("author"), "author", sort_key="author"),
    ListColumn(_("enabled"), "enabled", sort_key="enabled"),
    ListColumn(_("the engine can run it"), "runnable", sort_key="runnable"),
    ListColumn(_("changed"), "updated_at", sort_key="updated_at"),
)

RULE_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("rule identifier"), "rule_id"),
    ListColumn(_("title"), "title"),
    ListColumn(_("level"), "get_level_display"),
    ListColumn(_("origin"), "get_origin_display"),
    LogsourceColumn(_("log source"), "logsource"),
    ListColumn(_("author"), "author"),
    ListColumn(_("licence"), "licence"),
    ListColumn(_("enabled"), "enabled"),
    ListColumn(_("the engine can run it"), "runnable"),
    ListColumn(_("why it cannot run"), "problem"),
    ListColumn(_("file"), "source_path"),
)


def logsource_choices() -> list[tuple[str, str]]:
    """Every category and service the stored rules name (and products), as "key:value"."""
    found: set[tuple[str, str]] = set()
    for logsource in DetectionRule.objects.values_list("logsource", flat=True):
        for key in LOGSOURCE_KEYS:
            value = (logsource or {}).get(key)
            if value:
                found.add((key, str(value)))
    return [(f"{key}:{value}", f"{value} ({key})") for key, value in sorted(found, key=lambda item: item[1])]


class RuleFilter(ScopedFilterSet):
    """Origin, level, state and Sigma log source of the rules."""

    origin = django_filters.ChoiceFilter(choices=RuleOrigin.choices, label=_("Origin"))
    level = django_filters.ChoiceFilter(choices=RuleLevel.choices, label=_("Level"))
    enabled = django_filters.BooleanFilter(label=_("Enabled"))
    runnable = django_filters.BooleanFilter(label=_("The engine can run it"))
    logsource = django_filters.ChoiceFilter(
        choices=logsource_choices, method="filter_logsource", label=_("Log source")
    )
    is_correlation = django_filters.BooleanFilter(label=_("Correlation rule"))

    class Meta:
        model = DetectionRule
        fields = ["origin", "level", "enabled", "runnable", "logsource", "is_correlation"]

    def filter_logsource(self, queryset: models.QuerySet[DetectionRule], name: str, value: str) -> Any:
        key, _separator, wanted = value.partition(":")
        if key not in LOGSOURCE_KEYS or not wanted:
            return queryset
        return queryset.filter(**{f"logsource__{key}": wanted})
