"""Incident metrics, computed from plain rows (no database): how many cases, and how long
they took to detect, contain and resolve, by month of discovery, category or grade.

- time to detect: discovered - occurred;
- time to contain: contained - discovered;
- time to resolve: handling ended - discovered.

Means are in hours, over the cases that have both times; None when no case of the group
has them. Months are those of the discovery in Asia/Shanghai, where the organisation
reports, so a case discovered at 01:00 on 1 March in Beijing counts in March.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

REPORTING_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
SECONDS_PER_HOUR = 3600


class Grouping(StrEnum):
    MONTH = "month"
    CATEGORY = "category"
    GRADE = "grade"


@dataclass(frozen=True)
class MetricRow:
    """The times and classification of one case."""

    occurred_at: dt.datetime | None
    discovered_at: dt.datetime
    contained_at: dt.datetime | None
    handling_ended_at: dt.datetime | None
    category: str
    grade: str


@dataclass(frozen=True)
class MetricGroup:
    """The figures of one group: `key` is "2026-03", a category code or a grade ("" when
    the case has none)."""

    key: str
    count: int
    mean_hours_to_detect: float | None
    mean_hours_to_contain: float | None
    mean_hours_to_resolve: float | None


def month_of(moment: dt.datetime, zone: dt.tzinfo = REPORTING_ZONE) -> str:
    """The month ("2026-03") of an aware moment in `zone`."""
    return moment.astimezone(zone).strftime("%Y-%m")


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / SECONDS_PER_HOUR


def _mean(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    if not known:
        return None
    return round(sum(known) / len(known), 2)


def key_of(row: MetricRow, grouping: Grouping | str, zone: dt.tzinfo = REPORTING_ZONE) -> str:
    grouping = Grouping(grouping)
    if grouping == Grouping.MONTH:
        return month_of(row.discovered_at, zone)
    if grouping == Grouping.CATEGORY:
        return row.category
    return row.grade


def _figures(key: str, members: list[MetricRow]) -> MetricGroup:
    return MetricGroup(
        key=key,
        count=len(members),
        mean_hours_to_detect=_mean([_hours(row.occurred_at, row.discovered_at) for row in members]),
        mean_hours_to_contain=_mean([_hours(row.discovered_at, row.contained_at) for row in members]),
        mean_hours_to_resolve=_mean([_hours(row.discovered_at, row.handling_ended_at) for row in members]),
    )


def group_metrics(
    rows: Iterable[MetricRow], grouping: Grouping | str, *, zone: dt.tzinfo = REPORTING_ZONE
) -> list[MetricGroup]:
    """The figures of each group present in `rows`, ordered by key (months oldest first)."""
    grouped: dict[str, list[MetricRow]] = {}
    for row in rows:
        grouped.setdefault(key_of(row, grouping, zone), []).append(row)
    return [_figures(key, members) for key, members in sorted(grouped.items())]


def total_of(rows: Iterable[MetricRow]) -> MetricGroup:
    """The figures of every row together (key "")."""
    return _figures("", list(rows))
