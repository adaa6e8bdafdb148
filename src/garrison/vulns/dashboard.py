"""The vulnerability figures: open findings by severity, overdue findings, what was fixed
lately and how fast, the assets with the most serious open findings, exceptions awaiting a
decision and the coverage of critical systems. The domain's dashboard page, the API summary
and the home dashboard tiles read them; each counts only what the person may see, with
aggregate queries that stay fast at a hundred thousand findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.roles import Action, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import has_grant, restrict
from garrison.vulns.models import (
    ExceptionStatus,
    Finding,
    FindingException,
    FindingStatus,
    Severity,
)
from garrison.vulns.services.coverage import coverage_report
from garrison.web.dashboard import Tile, register_tiles

FIXED_RECENTLY_DAYS = 30
TIME_TO_FIX_DAYS = 90
TOP_ASSETS = 10


@dataclass(frozen=True)
class AssetFindings:
    """An asset with its open critical and high findings."""

    asset: Asset
    critical: int
    high: int

    @property
    def total(self) -> int:
        return self.critical + self.high


@dataclass(frozen=True)
class FindingFigures:
    open_by_severity: dict[int, int]
    overdue: int
    fixed_recently: int
    mean_days_to_fix: float | None
    top_assets: list[AssetFindings]
    exceptions_awaiting: int

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())


def link(name: str, **query: Any) -> str:
    """The URL named `name` with a query."""
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def visible_findings(person: Any) -> Any:
    return restrict(Finding.objects.all(), person, Action.VIEW)


def open_by_severity(person: Any) -> dict[int, int]:
    """Open findings by severity number, every severity present (zero when none)."""
    rows = (
        visible_findings(person)
        .filter(status=FindingStatus.OPEN)
        .values("severity")
        .annotate(number=Count("pk"))
        .order_by()
    )
    counts = {severity.value: 0 for severity in Severity}
    counts.update({row["severity"]: row["number"] for row in rows})
    return counts


def overdue_count(person: Any, today: dt.date) -> int:
    return visible_findings(person).filter(status=FindingStatus.OPEN, due_on__lt=today).count()


def mean_days_to_fix(person: Any, since: dt.datetime) -> float | None:
    """Mean days from opening (or reopening) to fix of the findings fixed since `since`."""
    duration = ExpressionWrapper(F("fixed_at") - F("opened_at"), output_field=DurationField())
    average = (
        visible_findings(person)
        .filter(status=FindingStatus.FIXED, fixed_at__gte=since)
        .aggregate(mean=Avg(duration))["mean"]
    )
    if average is None:
        return None
    if isinstance(average, dt.timedelta):
        return round(average.total_seconds() / 86400, 1)
    # Some databases average a duration to its number of microseconds.
    return round(float(average) / 86400 / 1_000_000, 1)


def top_assets(person: Any, limit: int = TOP_ASSETS) -> list[AssetFindings]:
    """The assets with the most open critical findings, then high ones."""
    rows = list(
        visible_findings(person)
        .filter(status=FindingStatus.OPEN, severity__gte=Severity.HIGH, asset__isnull=False)
        .values("asset_id")
        .annotate(
            critical=Count("pk", filter=Q(severity=Severity.CRITICAL)),
            high=Count("pk", filter=Q(severity=Severity.HIGH)),
        )
        .order_by("-critical", "-high", "asset_id")[:limit]
    )
    assets = Asset.objects.in_bulk([row["asset_id"] for row in rows])
    return [AssetFindings(assets[row["asset_id"]], row["critical"], row["high"]) for row in rows]


def exceptions_awaiting(person: Any) -> int:
    requested = FindingException.objects.filter(status=ExceptionStatus.REQUESTED)
    return restrict(requested, person, Action.VIEW).count()


def finding_figures(person: Any, *, now: dt.datetime | None = None) -> FindingFigures:
    now = now or timezone.now()
    return FindingFigures(
        open_by_severity=open_by_severity(person),
        overdue=overdue_count(person, organisation_today(now)),
        fixed_recently=visible_findings(person)
        .filter(status=FindingStatus.FIXED, fixed_at__gte=now - dt.timedelta(days=FIXED_RECENTLY_DAYS))
        .count(),
        mean_days_to_fix=mean_days_to_fix(person, now - dt.timedelta(days=TIME_TO_FIX_DAYS)),
        top_assets=top_assets(person),
        exceptions_awaiting=exceptions_awaiting(person),
    )


def vulnerability_tiles(person: Any, now: dt.datetime | None = None) -> list[Tile]:
    """Home dashboard: open critical and high findings, overdue findings, exceptions to decide."""
    if not has_grant(person, Domain.VULNERABILITIES, Action.VIEW):
        return []
    now = now or timezone.now()
    counts = open_by_severity(person)
    tiles = [
        Tile(
            _("Open critical vulnerabilities"),
            counts[Severity.CRITICAL],
            link("vulns:finding-list", status=FindingStatus.OPEN, severity=Severity.CRITICAL),
            is_warning=True,
        ),
        Tile(
            _("Open high vulnerabilities"),
            counts[Severity.HIGH],
            link("vulns:finding-list", status=FindingStatus.OPEN, severity=Severity.HIGH),
        ),
        Tile(
            _("Vulnerabilities past their due date"),
            overdue_count(person, organisation_today(now)),
            link("vulns:finding-list", overdue="yes"),
            is_warning=True,
        ),
    ]
    report = coverage_report(person=person, today=organisation_today(now))
    if report.total:
        tiles.append(
            Tile(
                _("Critical systems not scanned in time"),
                len(report.not_scanned),
                link("vulns:coverage", coverage="not_scanned"),
                is_warning=True,
            )
        )
    awaiting = exceptions_awaiting(person)
    if awaiting:
        tiles.append(
            Tile(
                _("Vulnerability exceptions awaiting a decision"),
                awaiting,
                link("vulns:exception-list", status=ExceptionStatus.REQUESTED),
                is_warning=True,
            )
        )
    return tiles


register_tiles("vulns", vulnerability_tiles)
