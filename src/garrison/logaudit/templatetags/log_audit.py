"""`{% linked_log_audit object %}`: the "Log audit" section of an asset's page (its log
sources, each with its latest weekly report) and of an incident's page (the log-audit
findings it was opened from).

The assets and incidents apps show them without importing logaudit: their templates load
this tag. Only what the person may see is listed.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.db.models import Count, OuterRef, Subquery

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict

register = template.Library()

SHOWN = 20


@register.inclusion_tag("logaudit/partials/linked_log_audit.html", takes_context=True)
def linked_log_audit(context: template.Context, obj: models.Model) -> dict[str, Any]:
    from garrison.logaudit.models import AuditFinding, AuditReport, LogSource, Triage

    request = context.get("request")
    person = getattr(request, "user", None)
    if not has_grant(person, Domain.LOG_AUDIT, Action.VIEW):
        return {"shown": False}
    label = obj._meta.label_lower
    if label == "assets.asset":
        latest = AuditReport.objects.filter(source=OuterRef("pk")).order_by("-period_start", "-pk")
        sources = list(
            restrict(LogSource.objects.filter(asset=obj.pk), person, Action.VIEW)
            .annotate(
                latest_report=Subquery(latest.values("pk")[:1]),
                latest_reference=Subquery(latest.values("reference")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
                latest_start=Subquery(latest.values("period_start")[:1]),
            )
            .order_by("name", "pk")[:SHOWN]
        )
        reports = [source.latest_report for source in sources if source.latest_report]
        untriaged = dict(
            AuditFinding.objects.filter(report__in=reports, triage=Triage.UNTRIAGED)
            .values("report")
            .annotate(count=Count("pk"))
            .values_list("report", "count")
        )
        rows = [(source, untriaged.get(source.latest_report, 0)) for source in sources]
        return {"shown": True, "is_asset": True, "asset": obj, "sources": rows}
    if label == "incidents.incident":
        findings = restrict(
            AuditFinding.objects.filter(incident=obj.pk).select_related("report", "asset", "rule"),
            person,
            Action.VIEW,
        ).order_by("-report__period_start", "pk")
        shown = list(findings[:SHOWN])
        if not shown:
            return {"shown": False}
        return {"shown": True, "is_asset": False, "findings": shown}
    return {"shown": False}


def status_label(status: str | None) -> str:
    from garrison.logaudit.models import ReportStatus

    return str(ReportStatus(status).label) if status else ""


register.filter("log_report_status", status_label)


@register.filter
def rule_level(level: str) -> str:
    """A Sigma level in the reader's language ("high" → "High"); an unknown one as written."""
    from garrison.logaudit.models import RuleLevel

    return str(RuleLevel(level).label) if level in RuleLevel.values else level
