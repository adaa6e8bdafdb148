"""The incident figures on the home dashboard: open cases by grade, reports due within
24 hours and reports overdue. Each counts only what the person may see and links to the
list it counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.incidents.models import (
    GRADE_RANK,
    OPEN_STATUSES,
    Grade,
    Incident,
    ObligationStatus,
    ReportingObligation,
)
from garrison.web.dashboard import Tile, register_tiles
from garrison.web.links import optional_url

DUE_SOON = dt.timedelta(hours=24)
# Cases of these grades are drawn as warnings.
WARNING_FROM = GRADE_RANK[Grade.RELATIVELY_MAJOR]


def open_cases_by_grade(person: Any) -> dict[str, int]:
    """Open cases the person may see, by effective grade ("" while none is proposed)."""
    cases = restrict(Incident.objects.filter(status__in=OPEN_STATUSES), person, Action.VIEW)
    counts: dict[str, int] = {}
    for row in cases.values("grade", "proposed_grade").annotate(number=models.Count("pk")).order_by():
        grade = row["grade"] or row["proposed_grade"] or ""
        counts[grade] = counts.get(grade, 0) + row["number"]
    return counts


def pending_obligations(person: Any) -> models.QuerySet[ReportingObligation]:
    obligations = ReportingObligation.objects.filter(status=ObligationStatus.PENDING, due_at__isnull=False)
    return restrict(obligations, person, Action.VIEW)


def _link(name: str, **query: str) -> str:
    url = optional_url(name) or ""
    return f"{url}?{urlencode(query)}" if url and query else url


def incident_tiles(person: Any, now: dt.datetime | None = None) -> list[Tile]:
    if not has_grant(person, Domain.INCIDENTS, Action.VIEW):
        return []
    now = now or timezone.now()
    counts = open_cases_by_grade(person)
    tiles: list[Tile] = []
    for grade in sorted(counts, key=lambda value: -GRADE_RANK.get(value, 0)):
        label = Grade(grade).label if grade else _("not graded")
        tiles.append(
            Tile(
                format_lazy(_("Open incidents: {grade}"), grade=label),
                counts[grade],
                _link("incidents:incident-list", grade=grade) if grade else _link("incidents:incident-list"),
                GRADE_RANK.get(grade, 0) >= WARNING_FROM,
            )
        )
    if not tiles:
        tiles.append(Tile(_("Open incidents"), 0, _link("incidents:incident-list")))
    pending = pending_obligations(person)
    tiles.append(
        Tile(
            _("Incident reports due within 24 hours"),
            pending.filter(due_at__gte=now, due_at__lte=now + DUE_SOON).count(),
            _link("incidents:obligation-due-list", window="24h"),
            True,
        )
    )
    tiles.append(
        Tile(
            _("Overdue incident reports"),
            pending.filter(due_at__lt=now).count(),
            _link("incidents:incident-list", overdue="yes"),
            True,
        )
    )
    return tiles


register_tiles("incidents", incident_tiles)
