"""The rows the incident metrics are computed from: the cases a person may see,
discovered within a date range, false positives left out (they were no incidents)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents import metrics
from garrison.incidents.metrics import REPORTING_ZONE, MetricRow
from garrison.incidents.models import Grade, Incident, IncidentCategory, IncidentStatus


def metric_cases(
    person: Any, *, start: dt.date | None = None, end: dt.date | None = None
) -> models.QuerySet[Incident]:
    """The person's visible cases discovered from `start` to `end` (both days included,
    in Asia/Shanghai), false positives excluded."""
    cases = restrict(Incident.objects.all(), person, Action.VIEW).exclude(
        status=IncidentStatus.FALSE_POSITIVE
    )
    if start is not None:
        cases = cases.filter(
            discovered_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=REPORTING_ZONE)
        )
    if end is not None:
        following = end + dt.timedelta(days=1)
        cases = cases.filter(
            discovered_at__lt=dt.datetime.combine(following, dt.time.min, tzinfo=REPORTING_ZONE)
        )
    return cases


def metric_rows(person: Any, *, start: dt.date | None = None, end: dt.date | None = None) -> list[MetricRow]:
    """The rows of `garrison.incidents.metrics` for those cases, in one query."""
    values = metric_cases(person, start=start, end=end).values_list(
        "occurred_at",
        "discovered_at",
        "contained_at",
        "handling_ended_at",
        "category__code",
        "grade",
        "proposed_grade",
    )
    return [
        MetricRow(
            occurred_at=occurred,
            discovered_at=discovered,
            contained_at=contained,
            handling_ended_at=ended,
            category=category or "",
            grade=grade or proposed or "",
        )
        for occurred, discovered, contained, ended, category, grade, proposed in values
    ]


@dataclass(frozen=True)
class MetricLine:
    """A group's figures with the label a reader understands."""

    key: str
    label: str
    count: int
    mean_hours_to_detect: float | None
    mean_hours_to_contain: float | None
    mean_hours_to_resolve: float | None


def _labels(grouping: str) -> dict[str, str]:
    if grouping == metrics.Grouping.CATEGORY:
        return {category.code: str(category) for category in IncidentCategory.objects.all()}
    if grouping == metrics.Grouping.GRADE:
        return {str(value): str(label) for value, label in Grade.choices}
    return {}


def metric_lines(
    person: Any, grouping: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[list[MetricLine], MetricLine]:
    """The groups of the person's cases in the range, labelled, and their total."""
    rows = metric_rows(person, start=start, end=end)
    labels = _labels(grouping)

    def line(group: metrics.MetricGroup, label: str) -> MetricLine:
        return MetricLine(
            key=group.key,
            label=label,
            count=group.count,
            mean_hours_to_detect=group.mean_hours_to_detect,
            mean_hours_to_contain=group.mean_hours_to_contain,
            mean_hours_to_resolve=group.mean_hours_to_resolve,
        )

    groups = [
        line(group, labels.get(group.key, group.key) or _("not graded"))
        for group in metrics.group_metrics(rows, grouping)
    ]
    return groups, line(metrics.total_of(rows), _("All cases"))
