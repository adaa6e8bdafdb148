"""API of log-audit findings: read-only lists with the web list's filters, a finding with
its rule's author, licence and references (the Detection Rule License asks alerts to name
the rule's author) and its sample events, its history, and two actions: `triage` and
`incident` (open an incident from the finding in one step).

Thin: scoping decides what exists for the person (a finding out of reach is a 404), and
garrison.logaudit.services.triage makes every change.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.records import HistoryMixin
from garrison.core.roles import Action
from garrison.logaudit.filtersets_findings import FindingFilter
from garrison.logaudit.forms_findings import TRIAGE_DECISIONS
from garrison.logaudit.models import AuditFinding, Triage
from garrison.logaudit.services import triage
from garrison.logaudit.tables_findings import FINDING_EXPORT_COLUMNS, FINDING_QUERYSET
from garrison.web.lists import export_columns

LIST_FIELDS = [
    "id",
    "report",
    "report_reference",
    "period_start",
    "period_end",
    "rule",
    "rule_identifier",
    "rule_author",
    "asset",
    "asset_name",
    "title",
    "level",
    "match_count",
    "first_match_at",
    "last_match_at",
    "accounts",
    "triage",
    "change_ticket",
    "triaged_by",
    "triaged_at",
    "incident",
    "incident_reference",
]


class LogAuditFindingListSerializer(serializers.ModelSerializer):
    """A row of the finding list: read from the row, its report, rule, asset and incident."""

    report_reference = serializers.CharField(source="report.reference", read_only=True)
    period_start = serializers.DateTimeField(source="report.period_start", read_only=True)
    period_end = serializers.DateTimeField(source="report.period_end", read_only=True)
    rule_identifier = serializers.CharField(
        source="rule.rule_id", read_only=True, help_text="The Sigma rule id."
    )
    rule_author = serializers.CharField(
        source="rule.author", read_only=True, help_text="Shown with every alert, as the rule's licence asks."
    )
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True, default=None)

    class Meta:
        model = AuditFinding
        fields = LIST_FIELDS
        read_only_fields = LIST_FIELDS


class SampleEventSerializer(serializers.Serializer):
    batch = serializers.IntegerField(allow_null=True, help_text="Sequence of the sealed batch it came from.")
    line = serializers.IntegerField(allow_null=True, help_text="Line of the batch (1-based).")
    event = serializers.DictField(help_text="The event's fields as the source wrote them.")


class LogAuditFindingSerializer(LogAuditFindingListSerializer):
    """A finding with its rule's provenance, its sample events and the triage."""

    rule_title = serializers.CharField(source="rule.title", read_only=True)
    rule_licence = serializers.CharField(source="rule.licence", read_only=True)
    rule_references = serializers.ListField(
        source="rule.references", child=serializers.CharField(), read_only=True
    )
    samples = SampleEventSerializer(many=True, read_only=True)

    class Meta:
        model = AuditFinding
        fields = [
            *LIST_FIELDS,
            "rule_title",
            "rule_licence",
            "rule_references",
            "samples",
            "triage_note",
        ]
        read_only_fields = fields


class FindingTriageSerializer(serializers.Serializer):
    triage = serializers.ChoiceField(
        choices=TRIAGE_DECISIONS,
        help_text="true_positive, expected (an approved change: name its ticket) or false_positive.",
    )
    change_ticket = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["change_ticket"] = attrs.get("change_ticket", "").strip()
        if attrs["triage"] == Triage.EXPECTED and not attrs["change_ticket"]:
            raise serializers.ValidationError(
                {"change_ticket": [_("Name the change ticket of the expected operation.")]}
            )
        return attrs


class LogAuditFindingViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet
):
    """Findings of weekly audits (filters as on the finding list: `triage`, `level` repeated
    for several, `rule`, `asset`, `report`, `source`, `period_after`/`period_before`,
    `has_incident`)."""

    queryset = FINDING_QUERYSET
    serializer_class = LogAuditFindingSerializer
    filterset_class = FindingFilter
    export_columns = export_columns(list(FINDING_EXPORT_COLUMNS))
    export_name = "log-audit-findings"
    search_fields = ["title", "rule__rule_id", "change_ticket"]
    ordering_fields = ["id", "title", "level_rank", "match_count", "last_match_at", "triage"]
    ordering = ["-report__period_start", "-level_rank", "title", "id"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return LogAuditFindingListSerializer
        return LogAuditFindingSerializer

    def _fresh(self, finding: AuditFinding, code: int = status.HTTP_200_OK) -> Response:
        fresh = FINDING_QUERYSET.get(pk=finding.pk)
        return Response(
            LogAuditFindingSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=FindingTriageSerializer, responses=LogAuditFindingSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def triage(self, request: Request, pk: str | None = None) -> Response:
        """Triage the finding with a note (an expected operation names its change ticket)."""
        finding = self.get_object()
        form = FindingTriageSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        triage.triage_finding(finding, by=request.user, **form.validated_data)
        return self._fresh(finding)

    @extend_schema(request=None, responses={201: LogAuditFindingSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def incident(self, request: Request, pk: str | None = None) -> Response:
        """Open an incident from the finding in one step (the finding becomes a true positive);
        the answer is the finding, naming the incident."""
        finding = self.get_object()
        triage.open_incident(finding, by=request.user)
        return self._fresh(finding, status.HTTP_201_CREATED)


def register_routes(router: BaseRouter) -> None:
    router.register("findings", LogAuditFindingViewSet, basename="logaudit-finding")
