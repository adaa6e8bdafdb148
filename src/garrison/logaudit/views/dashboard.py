"""The log-audit dashboard: weekly reports waiting for sign-off (the person's own and all
they see), escalated reports, findings nobody triaged, true positives of the last 30 days,
matches by rule level and the rules that matched most, log sources silent for a week, and
the latest reports.

Thin: the figures come from garrison.logaudit.services.dashboard, each limited to what the
person may see."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.logaudit.dashboard import link
from garrison.logaudit.models import ReportStatus, RuleLevel, Triage
from garrison.logaudit.services import dashboard as figures


def level_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Matches per level, most severe first, with each bar's share of the largest."""
    largest = max(counts.values(), default=0)
    return [
        {
            "value": level.value,
            "label": level.label,
            "count": counts.get(level.value, 0),
            "percent": round(100 * counts.get(level.value, 0) / largest) if largest else 0,
        }
        for level in reversed(list(RuleLevel))
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    person = request.user
    if not has_grant(person, Domain.LOG_AUDIT, Action.VIEW):
        raise Http404
    found = figures.logaudit_figures(person)
    awaiting = ReportStatus.AWAITING_SIGN_OFF
    context = {
        "title": _("Log audit"),
        "figures": found,
        "levels": level_rows(found.matches_by_level),
        "recent_days": figures.RECENT_DAYS,
        "silent_days": figures.SILENT_DAYS,
        "mine_url": link("logaudit:report-list", awaiting_me="yes"),
        "awaiting_url": link("logaudit:report-list", status=awaiting),
        "escalated_url": link("logaudit:report-list", status=awaiting, escalated="yes"),
        "untriaged_url": link("logaudit:finding-list", triage=Triage.UNTRIAGED),
        "true_positives_url": link("logaudit:finding-list", triage=Triage.TRUE_POSITIVE),
        "reports_url": link("logaudit:report-list"),
        "sources_url": link("logaudit:source-list"),
        "rules_url": link("logaudit:rule-list"),
        "suppressions_url": link("logaudit:suppression-list", state="active"),
    }
    return render(request, "logaudit/dashboard.html", context)


urlpatterns: list[URLPattern] = [path("", dashboard, name="dashboard")]
