"""API of weekly audit reports: read-only lists with the web list's filters, a report's
history, and its actions: `sign` (with a note), `verify` (the seal over its stored logs)
and `matches` (every match, one JSON object a line).

Thin: scoping decides what exists for the person (a report out of reach is a 404),
garrison.logaudit.services.triage signs and .sealing verifies.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.records import HistoryMixin
from garrison.core.roles import Action
from garrison.logaudit.filtersets_reports import ReportFilter
from garrison.logaudit.models import AuditReport
from garrison.logaudit.services import sealing, triage
from garrison.logaudit.tables_reports import REPORT_EXPORT_COLUMNS, REPORT_QUERYSET
from garrison.web.files import stored_file_response
from garrison.web.lists import export_columns

MATCHES_CONTENT_TYPE = "application/x-ndjson"


class MatchesRenderer(renderers.BaseRenderer):
    """Lets a client ask for the matches as JSON lines; errors still come out as JSON."""

    media_type = MATCHES_CONTENT_TYPE
    format = "jsonl"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode("utf-8")


class RuleProblemSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's title or identifier.")
    reason = serializers.CharField()


class LogAuditReportSerializer(serializers.ModelSerializer):
    """A weekly audit of one log source, with its counts and the sealed tree head."""

    source_reference = serializers.CharField(source="source.reference", read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True)
    asset = serializers.IntegerField(source="source.asset_id", read_only=True)
    asset_name = serializers.CharField(source="source.asset.name", read_only=True)
    is_critical_system = serializers.BooleanField(source="source.asset.is_critical_system", read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.full_name", read_only=True, default=None)
    signed_by_name = serializers.CharField(source="signed_by.full_name", read_only=True, default=None)
    rule_problems = RuleProblemSerializer(many=True, read_only=True)
    has_matches_file = serializers.SerializerMethodField()

    class Meta:
        model = AuditReport
        fields = [
            "id",
            "reference",
            "source",
            "source_reference",
            "source_name",
            "asset",
            "asset_name",
            "is_critical_system",
            "period_start",
            "period_end",
            "status",
            "reviewer",
            "reviewer_name",
            "tree_size",
            "tree_head",
            "first_sequence",
            "batch_count",
            "event_count",
            "malformed_count",
            "match_count",
            "suppressed_count",
            "rule_count",
            "rule_problems",
            "has_matches_file",
            "error",
            "escalated_at",
            "signed_by",
            "signed_by_name",
            "signed_at",
            "sign_note",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_has_matches_file(self, report: AuditReport) -> bool:
        return report.matches_file_id is not None


class ReportSignSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Kept with the report."
    )


class SealCheckSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="report.pk")
    ok = serializers.BooleanField(
        help_text="Whether every stored batch behind the report still hashes to its tree head."
    )
    problems = serializers.ListField(child=serializers.CharField())
    batches_checked = serializers.IntegerField()
    batches_pruned = serializers.IntegerField(
        help_text="Batches deleted under retention (their hashes still count)."
    )


class ReportViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet
):
    """Weekly audit reports (filters as on the report list: `awaiting_me=yes`, `escalated`,
    `critical`, `period_after`/`period_before` dates)."""

    queryset = REPORT_QUERYSET
    serializer_class = LogAuditReportSerializer
    filterset_class = ReportFilter
    export_columns = export_columns(list(REPORT_EXPORT_COLUMNS))
    export_name = "audit-reports"
    search_fields = ["reference", "source__name", "source__reference", "source__asset__name"]
    ordering_fields = ["id", "period_start", "status", "match_count", "event_count", "escalated_at"]
    ordering = ["-period_start", "-id"]

    def _fresh(self, report: AuditReport) -> Response:
        fresh = REPORT_QUERYSET.get(pk=report.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=ReportSignSerializer, responses=LogAuditReportSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Sign the report: every finding triaged, by its reviewer or one who may sign instead."""
        report = self.get_object()
        form = ReportSignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        triage.sign_report(report, by=request.user, note=form.validated_data["note"])
        return self._fresh(report)

    @extend_schema(request=None, responses=SealCheckSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Check that the stored logs behind the report still hash to its sealed tree head."""
        report = self.get_object()
        return Response(SealCheckSerializer(sealing.verify_report(report)).data)

    @extend_schema(
        responses={
            (200, MATCHES_CONTENT_TYPE): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such report, or it has no matches file"),
            410: OpenApiResponse(description="The matches file is missing from the store"),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, MatchesRenderer],
        scope_action_name=Action.VIEW,
    )
    def matches(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """Every match of the audit, one JSON object a line (with its SHA-256 in X-Content-SHA256)."""
        report = self.get_object()
        stored = report.matches_file
        if stored is None:
            return _json_error(_("This report has no matches file."), status.HTTP_404_NOT_FOUND)
        try:
            content = default_storage.open(stored.storage_name, "rb")
        except FileNotFoundError:
            return _json_error(_("The matches file is missing from the store."), status.HTTP_410_GONE)
        response = stored_file_response(
            content,
            filename=f"{report.reference}-matches.jsonl",
            sha256=stored.sha256,
            content_type=MATCHES_CONTENT_TYPE,
        )
        response["Content-Length"] = str(stored.size)
        return response


def _json_error(detail: str, code: int) -> HttpResponse:
    return HttpResponse(json.dumps({"detail": detail}), status=code, content_type="application/json")


def register_routes(router: BaseRouter) -> None:
    router.register("reports", ReportViewSet, basename="logaudit-report")
