"""API of the log-audit dashboard: GET /api/logaudit/dashboard/ gives the figures of the
page, each limited to what the person may see."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import TokenAccessPermission
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.logaudit.services import dashboard as figures


class SignOffSerializer(serializers.Serializer):
    mine = serializers.IntegerField(help_text="Reports awaiting sign-off with you as reviewer.")
    all = serializers.IntegerField(help_text="Reports awaiting sign-off that you may see.")
    escalated = serializers.IntegerField(help_text="Of those, reports escalated for being left unsigned.")


class RuleMatchesSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule.pk")
    rule_id = serializers.CharField(source="rule.rule_id")
    title = serializers.CharField(source="rule.title")
    level = serializers.CharField(source="rule.level")
    matches = serializers.IntegerField()
    findings = serializers.IntegerField()


class SilentSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    name = serializers.CharField()
    asset = serializers.IntegerField(source="asset_id")
    asset_name = serializers.CharField(source="asset.name")


class LatestReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    # The stubs see Field.source (the attribute path); declared fields never become attributes.
    source = serializers.IntegerField(source="source_id")  # type: ignore[assignment]
    source_name = serializers.CharField(source="source.name")
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    status = serializers.CharField()
    match_count = serializers.IntegerField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Start of the 30 days the recent figures count.")
    awaiting_sign_off = SignOffSerializer(source="awaiting")
    untriaged = serializers.IntegerField(help_text="Findings not triaged.")
    true_positives = serializers.IntegerField(help_text="Findings triaged true positive in the last 30 days.")
    matches_by_level = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Matches in the reports of the last 30 days per rule level, every level present.",
    )
    top_rules = RuleMatchesSerializer(many=True, help_text="The rules that matched most in those reports.")
    silent_source_count = serializers.IntegerField(
        help_text="Audited log sources that received no logs in the last 7 days."
    )
    silent_sources = SilentSourceSerializer(many=True, help_text="The first ten of them, by name.")
    latest_reports = LatestReportSerializer(many=True)


class DashboardViewSet(viewsets.ViewSet):
    """The log-audit figures of the dashboard page."""

    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]

    @extend_schema(responses=DashboardSerializer)
    def list(self, request: Request) -> Response:
        if not has_grant(request.user, Domain.LOG_AUDIT, Action.VIEW):
            raise NotFound
        return Response(DashboardSerializer(figures.logaudit_figures(request.user)).data)


def register_routes(router: BaseRouter) -> None:
    router.register("dashboard", DashboardViewSet, basename="logaudit-dashboard")
