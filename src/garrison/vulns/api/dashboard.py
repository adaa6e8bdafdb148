"""API of the vulnerability overview: the coverage of critical information systems
(`coverage/`) and the dashboard's figures (`coverage/summary/`), each limited to what the
person may see."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import TokenAccessPermission
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.vulns import dashboard as figures
from garrison.vulns.services.coverage import CoverageReport, SystemCoverage, coverage_report
from garrison.vulns.tables_imports import NOT_SCANNED, NOT_TESTED, UNCOVERED


class SystemCoverageSerializer(serializers.Serializer):
    asset = serializers.IntegerField(source="system.pk")
    reference = serializers.CharField(source="system.reference")
    name = serializers.CharField(source="system.name")
    unit = serializers.IntegerField(source="system.unit_id")
    unit_name = serializers.CharField(source="system.unit.name")
    last_scanned_at = serializers.DateTimeField(allow_null=True)
    scanned_asset = serializers.IntegerField(
        source="scanned_asset_id",
        allow_null=True,
        help_text="The asset whose scan counted: the system itself or an asset it depends on.",
    )
    last_tested_on = serializers.DateField(allow_null=True)
    penetration_test = serializers.IntegerField(
        source="test_id", allow_null=True, help_text="The closed penetration test that counted."
    )
    is_scanned = serializers.BooleanField(help_text="Scanned within the policy's scan window.")
    is_tested = serializers.BooleanField(help_text="Penetration-tested within the policy's period.")


class CoverageReportSerializer(serializers.Serializer):
    today = serializers.DateField()
    scan_window_days = serializers.IntegerField()
    penetration_test_period_days = serializers.IntegerField()
    scanned_since = serializers.DateField()
    tested_since = serializers.DateField()
    total = serializers.IntegerField()
    scanned_count = serializers.IntegerField()
    tested_count = serializers.IntegerField()
    systems = SystemCoverageSerializer(many=True)


class AssetFindingsSerializer(serializers.Serializer):
    asset = serializers.IntegerField(source="asset.pk")
    reference = serializers.CharField(source="asset.reference")
    name = serializers.CharField(source="asset.name")
    critical = serializers.IntegerField()
    high = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    open_by_severity = serializers.DictField(
        child=serializers.IntegerField(), help_text="Open findings by severity number (0 info … 4 critical)."
    )
    open_total = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Open findings past their due date.")
    fixed_recently = serializers.IntegerField(help_text="Findings fixed in the last 30 days.")
    mean_days_to_fix = serializers.FloatField(
        allow_null=True, help_text="Mean days from opening to fix of the findings fixed in the last 90 days."
    )
    top_assets = AssetFindingsSerializer(many=True)
    exceptions_awaiting = serializers.IntegerField(help_text="Exceptions awaiting approval.")
    critical_systems = serializers.IntegerField()
    critical_systems_scanned = serializers.IntegerField()
    critical_systems_tested = serializers.IntegerField()


def _filtered(report: CoverageReport, coverage: str) -> list[SystemCoverage]:
    if coverage == NOT_SCANNED:
        return report.not_scanned
    if coverage == NOT_TESTED:
        return report.not_tested
    if coverage == UNCOVERED:
        return report.uncovered
    return report.systems


class CoverageViewSet(viewsets.ViewSet):
    """When each critical information system (or an asset it depends on) was last scanned
    and penetration-tested, and whether that is within the policy's windows."""

    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]

    def _require_domain(self, request: Request) -> None:
        if not has_grant(request.user, Domain.VULNERABILITIES, Action.VIEW):
            raise NotFound

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "coverage",
                OpenApiTypes.STR,
                enum=["all", UNCOVERED, NOT_SCANNED, NOT_TESTED],
                required=False,
                description="Only the systems outside the scan window, the test period, or either.",
            )
        ],
        responses=CoverageReportSerializer,
    )
    def list(self, request: Request) -> Response:
        self._require_domain(request)
        report = coverage_report(person=request.user)
        systems = _filtered(report, request.query_params.get("coverage", ""))
        data: dict[str, Any] = {
            "today": report.today,
            "scan_window_days": report.scan_window_days,
            "penetration_test_period_days": report.penetration_test_period_days,
            "scanned_since": report.scanned_since,
            "tested_since": report.tested_since,
            "total": report.total,
            "scanned_count": report.scanned_count,
            "tested_count": report.tested_count,
            "systems": systems,
        }
        return Response(CoverageReportSerializer(data).data)

    @extend_schema(responses=SummarySerializer)
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        """The dashboard's figures."""
        self._require_domain(request)
        found = figures.finding_figures(request.user)
        report = coverage_report(person=request.user)
        data = {
            "open_by_severity": {str(key): value for key, value in found.open_by_severity.items()},
            "open_total": found.open_total,
            "overdue": found.overdue,
            "fixed_recently": found.fixed_recently,
            "mean_days_to_fix": found.mean_days_to_fix,
            "top_assets": found.top_assets,
            "exceptions_awaiting": found.exceptions_awaiting,
            "critical_systems": report.total,
            "critical_systems_scanned": report.scanned_count,
            "critical_systems_tested": report.tested_count,
        }
        return Response(SummarySerializer(data).data)


def register_routes(router: BaseRouter) -> None:
    router.register("coverage", CoverageViewSet, basename="vulns-coverage")
