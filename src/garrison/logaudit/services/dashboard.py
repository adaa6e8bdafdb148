"""The log-audit figures: weekly reports waiting for sign-off (the person's own and all
they may see), those escalated, findings nobody triaged, true positives of the last 30
days, matches by rule level and the rules that matched most, log sources that sent
nothing for a week, and the latest reports. The dashboard page, its API and the home
tiles read them; each counts only what the person may see, in a fixed number of
aggregate queries whatever the number of reports and findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.logaudit.models import (
    AuditFinding,
    AuditReport,
    DetectionRule,
    LogBatch,
    LogSource,
    ReportStatus,
    RuleLevel,
    Triage,
)
from garrison.logaudit.services.triage import awaiting_sign_off_by

RECENT_DAYS = 30
SILENT_DAYS = 7
TOP_RULES = 10
SILENT_SOURCES_SHOWN = 10
LATEST_REPORTS = 5


@dataclass(frozen=True)
class RuleMatches:
    """A rule with its matches (and findings) in the reports of the last 30 days."""

    rule: DetectionRule
    matches: int
    findings: int


@dataclass(frozen=True)
class SignOffFigures:
    mine: int
    all: int
    escalated: int


@dataclass(frozen=True)
class LogAuditFigures:
    awaiting: SignOffFigures
    untriaged: int
    true_positives: int
    # Matches of the last 30 days' reports per rule level, every level present.
    matches_by_level: dict[str, int]
    top_rules: list[RuleMatches]
    silent_source_count: int
    silent_sources: list[LogSource]
    latest_reports: list[AuditReport]
    since: dt.datetime = field(compare=False)

    @property
    def recent_matches(self) -> int:
        return sum(self.matches_by_level.values())

    @property
    def is_empty(self) -> bool:
        """Nothing to show yet: no report and no source sending logs."""
        return not self.latest_reports and not self.silent_source_count


def visible_reports(person: Any) -> Any:
    return restrict(AuditReport.objects.all(), person, Action.VIEW)


def visible_findings(person: Any) -> Any:
    return restrict(AuditFinding.objects.all(), person, Action.VIEW)


def sign_off_figures(person: Any) -> SignOffFigures:
    """Reports awaiting sign-off: the person's (as reviewer, or escalated ones they may sign
    instead, as the report list's "awaiting my sign-off" filter counts them), all they see,
    and the escalated."""
    # The list's own condition, so that the figure and the list it links to agree.

    awaiting = Q(status=ReportStatus.AWAITING_SIGN_OFF)
    counts = visible_reports(person).aggregate(
        mine=Count("pk", filter=awaiting_sign_off_by(person)),
        all=Count("pk", filter=awaiting),
        escalated=Count("pk", filter=awaiting & Q(escalated_at__isnull=False)),
    )
    return SignOffFigures(mine=counts["mine"], all=counts["all"], escalated=counts["escalated"])


def finding_counts(person: Any, since: dt.datetime) -> tuple[int, int]:
    """Findings not triaged, and findings triaged true positive since `since`."""
    counts = visible_findings(person).aggregate(
        untriaged=Count("pk", filter=Q(triage=Triage.UNTRIAGED)),
        true_positives=Count("pk", filter=Q(triage=Triage.TRUE_POSITIVE, triaged_at__gte=since)),
    )
    return counts["untriaged"], counts["true_positives"]


def _recent_findings(person: Any, since: dt.datetime) -> Any:
    return visible_findings(person).filter(report__period_end__gte=since)


def matches_by_level(person: Any, since: dt.datetime) -> dict[str, int]:
    rows = _recent_findings(person, since).values("level").annotate(matches=Sum("match_count")).order_by()
    counts = {level.value: 0 for level in RuleLevel}
    for row in rows:
        counts[row["level"]] = counts.get(row["level"], 0) + (row["matches"] or 0)
    return counts


def top_rules(person: Any, since: dt.datetime, limit: int = TOP_RULES) -> list[RuleMatches]:
    rows = list(
        _recent_findings(person, since)
        .values("rule_id")
        .annotate(matches=Sum("match_count"), findings=Count("pk"))
        .order_by("-matches", "-findings", "rule_id")[:limit]
    )
    rules = DetectionRule.objects.in_bulk([row["rule_id"] for row in rows])
    return [RuleMatches(rules[row["rule_id"]], row["matches"] or 0, row["findings"]) for row in rows]


def silent_sources(person: Any, since: dt.datetime) -> Any:
    """Log sources with a weekly audit that received no batch since `since`."""
    received = LogBatch.objects.filter(source=OuterRef("pk"), received_at__gte=since)
    return (
        restrict(LogSource.objects.all(), person, Action.VIEW)
        .filter(audit_enabled=True)
        .exclude(Exists(received))
    )


def latest_reports(person: Any, limit: int = LATEST_REPORTS) -> list[AuditReport]:
    queryset = visible_reports(person).select_related("source__asset", "reviewer", "signed_by")
    return list(queryset.order_by("-period_end", "-id")[:limit])


def logaudit_figures(person: Any, *, now: dt.datetime | None = None) -> LogAuditFigures:
    now = now or timezone.now()
    since = now - dt.timedelta(days=RECENT_DAYS)
    untriaged, true_positives = finding_counts(person, since)
    silent = silent_sources(person, now - dt.timedelta(days=SILENT_DAYS))
    return LogAuditFigures(
        awaiting=sign_off_figures(person),
        untriaged=untriaged,
        true_positives=true_positives,
        matches_by_level=matches_by_level(person, since),
        top_rules=top_rules(person, since),
        silent_source_count=silent.count(),
        silent_sources=list(silent.select_related("asset").order_by("name", "pk")[:SILENT_SOURCES_SHOWN]),
        latest_reports=latest_reports(person),
        since=since,
    )
