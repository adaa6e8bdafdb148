"""Web pages of the vulnerability domain's overview: the dashboard (findings by severity,
overdue, fixed lately, time to fix, the assets most exposed, recent imports, coverage) and
the coverage list of critical information systems.

Thin: the figures come from garrison.vulns.dashboard and garrison.vulns.services.coverage,
each limited to what the person may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import BooleanField, Case, DateField, DateTimeField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.assets.models import Asset
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.vulns import dashboard as figures
from garrison.vulns.models import ExceptionStatus, FindingStatus, ScanImport, Severity
from garrison.vulns.services.coverage import CoverageReport, coverage_report, critical_systems
from garrison.vulns.tables_imports import (
    COVERAGE_COLUMNS,
    NOT_SCANNED,
    NOT_TESTED,
    CoverageFilter,
)
from garrison.web.lists import ObjectListView

RECENT_IMPORTS = 5


def _require_domain(request: HttpRequest) -> None:
    if not has_grant(request.user, Domain.VULNERABILITIES, Action.VIEW):
        raise Http404


def coverage_summary(report: CoverageReport) -> dict[str, Any]:
    return {
        "total": report.total,
        "scanned": report.scanned_count,
        "tested": report.tested_count,
        "scan_window_days": report.scan_window_days,
        "test_period_days": report.penetration_test_period_days,
        "url": figures.link("vulns:coverage"),
        "not_scanned_url": figures.link("vulns:coverage", coverage=NOT_SCANNED),
        "not_tested_url": figures.link("vulns:coverage", coverage=NOT_TESTED),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_domain(request)
    person = request.user
    found = figures.finding_figures(person)
    severities = [
        {
            "label": severity.label,
            "value": severity.value,
            "count": found.open_by_severity.get(severity.value, 0),
            "url": figures.link("vulns:finding-list", status=FindingStatus.OPEN, severity=severity.value),
        }
        for severity in sorted(Severity, reverse=True)
    ]
    imports = restrict(ScanImport.objects.select_related("created_by"), person, Action.VIEW)
    context = {
        "title": _("Vulnerabilities"),
        "figures": found,
        "severities": severities,
        "overdue_url": figures.link("vulns:finding-list", overdue="yes"),
        "fixed_url": figures.link("vulns:finding-list", status=FindingStatus.FIXED),
        "exceptions_url": figures.link("vulns:exception-list", status=ExceptionStatus.REQUESTED),
        "findings_url": figures.link("vulns:finding-list"),
        "imports": list(imports.order_by("-created_at", "-pk")[:RECENT_IMPORTS]),
        "imports_url": figures.link("vulns:import-list"),
        "upload_url": figures.link("vulns:import-create")
        if has_grant(person, Domain.VULNERABILITIES, Action.ADD)
        else "",
        "coverage": coverage_summary(coverage_report(person=person)),
        "fixed_days": figures.FIXED_RECENTLY_DAYS,
        "time_to_fix_days": figures.TIME_TO_FIX_DAYS,
    }
    return render(request, "vulns/dashboard.html", context)


def annotate_coverage(queryset: models.QuerySet[Asset], report: CoverageReport) -> models.QuerySet[Asset]:
    """The report's dates and flags as annotations, so that the list filters, sorts and
    exports them like any column (critical systems number in the hundreds at most)."""
    items = report.systems

    def case(values: list[tuple[int, Any]], output: models.Field[Any, Any], default: Any = None) -> Case:
        return Case(
            *[When(pk=pk, then=Value(value)) for pk, value in values],
            default=Value(default),
            output_field=output,
        )

    return queryset.annotate(
        last_scanned_at=case(
            [(i.system.pk, i.last_scanned_at) for i in items if i.last_scanned_at], DateTimeField()
        ),
        last_tested_on=case(
            [(i.system.pk, i.last_tested_on) for i in items if i.last_tested_on], DateField()
        ),
        is_scanned=case([(i.system.pk, True) for i in items if i.is_scanned], BooleanField(), False),
        is_tested=case([(i.system.pk, True) for i in items if i.is_tested], BooleanField(), False),
    )


class CoverageListView(ObjectListView):
    """The critical information systems with their last scan and penetration test."""

    model = Asset
    filterset_class = CoverageFilter
    columns = COVERAGE_COLUMNS
    search_fields = ("reference", "name")
    default_ordering = ("reference",)
    title = gettext_lazy("Coverage of critical systems")
    empty_message = gettext_lazy("No critical system matches these filters.")
    export_name = "critical-system-coverage"
    template_name = "vulns/coverage.html"

    report: CoverageReport

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_domain(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> models.QuerySet[Asset]:
        self.report = coverage_report(person=self.request.user)
        return annotate_coverage(critical_systems(self.request.user), self.report)

    def may_create(self) -> bool:
        return False

    def get_extra_context(self, page: Any) -> dict[str, Any]:
        return {"coverage": coverage_summary(self.report)}


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
    path("coverage/", CoverageListView.as_view(), name="coverage"),
]
