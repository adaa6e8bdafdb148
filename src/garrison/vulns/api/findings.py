"""API of findings: the list with the web list's filters, a finding with its links, a
finding entered by hand (created and changed here; imported ones change by re-import),
its status (fixed or open again, with the reason), its links to risk scenarios and
incidents, its own history (`events`) and the audit trail (`history`).

Thin: serializers validate shapes, garrison.vulns.services.findings writes, scoping decides
what exists for the person (a finding out of reach is a 404). The list reads each row with
its asset and unit in one query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit
from garrison.core.roles import Action
from garrison.incidents.models import Incident
from garrison.risks.models import RiskScenario
from garrison.vulns.filtersets_findings import FindingFilter
from garrison.vulns.models import Finding, FindingEvent, FindingStatus, PenetrationTest, Severity
from garrison.vulns.services import findings as services
from garrison.vulns.tables_findings import FINDING_EXPORT_COLUMNS, FINDING_QUERYSET, sla_clock
from garrison.web.lists import export_columns

STATUS_STEPS = {
    FindingStatus.FIXED.value: services.mark_fixed,
    FindingStatus.OPEN.value: services.reopen_finding,
}


class FindingSlaSerializer(serializers.Serializer):
    due_on = serializers.DateField(allow_null=True)
    days_left = serializers.IntegerField(
        allow_null=True, help_text="Days until due, negative once overdue; null unless open and due."
    )
    is_overdue = serializers.BooleanField()


class SlaMixin(serializers.Serializer):
    sla = serializers.SerializerMethodField()

    @extend_schema_field(FindingSlaSerializer)
    def get_sla(self, finding: Finding) -> dict[str, Any]:
        clock = sla_clock(finding)
        return {"due_on": clock.due_on, "days_left": clock.days_left, "is_overdue": clock.is_overdue}


LIST_FIELDS = [
    "id",
    "reference",
    "title",
    "source",
    "scan_scope",
    "severity",
    "cvss_score",
    "status",
    "asset",
    "asset_reference",
    "asset_name",
    "unit",
    "unit_name",
    "host",
    "port",
    "protocol",
    "component",
    "cve",
    "rule_id",
    "due_on",
    "sla",
    "first_seen_at",
    "last_seen_at",
    "retest_status",
]


class SightingMixin(serializers.Serializer):
    """When the finding was last reported, kept on its sighting."""

    last_seen_at = serializers.DateTimeField(
        source="sighting.last_seen_at", read_only=True, allow_null=True, default=None
    )


class VulnerabilityFindingListSerializer(SightingMixin, SlaMixin, serializers.ModelSerializer):
    """A row of the finding list: read from the row, its asset, unit and sighting only."""

    asset_reference = serializers.CharField(source="asset.reference", read_only=True, default=None)
    asset_name = serializers.CharField(source="asset.name", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Finding
        fields = LIST_FIELDS
        read_only_fields = LIST_FIELDS


class VulnerabilityFindingSerializer(SightingMixin, SlaMixin, serializers.ModelSerializer):
    """A finding; on create and update (entered by hand only), the severity comes from
    `cvss_vector` when one is given, else from `severity`, which is then required."""

    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_null=True)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    asset = ScopedRelatedField(queryset=Asset.objects.all(), required=False, allow_null=True)
    penetration_test = ScopedRelatedField(
        queryset=PenetrationTest.objects.all(), required=False, allow_null=True
    )
    cve_ids = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, help_text="Such as CVE-2021-44228."
    )
    cwe_ids = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, help_text="Such as CWE-79."
    )
    references = serializers.ListField(child=serializers.CharField(max_length=2000), required=False)
    asset_reference = serializers.CharField(source="asset.reference", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    risks: serializers.PrimaryKeyRelatedField[RiskScenario] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    incidents: serializers.PrimaryKeyRelatedField[Incident] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    last_import = serializers.IntegerField(
        source="sighting.last_import_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Id of the import that last reported the finding; null for one entered by hand.",
    )
    reason = reason_field()

    class Meta:
        model = Finding
        fields = [
            "id",
            "reference",
            "title",
            "source",
            "scan_scope",
            "rule_id",
            "cve",
            "cve_ids",
            "cwe_ids",
            "asset",
            "asset_reference",
            "unit",
            "unit_name",
            "host",
            "port",
            "protocol",
            "service",
            "location",
            "component",
            "component_version",
            "fixed_version",
            "severity",
            "scanner_severity",
            "cvss_version",
            "cvss_vector",
            "cvss_score",
            "description",
            "solution",
            "evidence",
            "references",
            "status",
            "first_seen_at",
            "last_seen_at",
            "opened_at",
            "due_on",
            "sla",
            "fixed_at",
            "reopened_count",
            "last_import",
            "penetration_test",
            "retest_status",
            "risks",
            "incidents",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "source",
            "scan_scope",
            "cve",
            "scanner_severity",
            "cvss_version",
            "cvss_score",
            "status",
            "first_seen_at",
            "opened_at",
            "due_on",
            "fixed_at",
            "reopened_count",
            "retest_status",
            "created_at",
            "updated_at",
        ]
        extra_kwargs: dict[str, Any] = {"title": {"required": True}}


class FindingStatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[FindingStatus.FIXED.value, FindingStatus.OPEN.value],
        help_text="fixed: the weakness is gone; open: it is back (a new SLA clock starts).",
    )
    reason = serializers.CharField(
        max_length=2000, help_text="Required; kept in the history and audit trail."
    )


class FindingLinksSerializer(serializers.Serializer):
    risks = ScopedRelatedField(
        queryset=RiskScenario.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the risk scenarios, in place of those linked now; left out: unchanged.",
    )
    incidents = ScopedRelatedField(
        queryset=Incident.objects.all(),
        many=True,
        required=False,
        help_text="Ids of the incidents, in place of those linked now; left out: unchanged.",
    )


class VulnerabilityFindingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingEvent
        fields = ["id", "kind", "status", "scan_import", "actor", "note", "at"]
        read_only_fields = fields


class FindingViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Findings from scans and penetration tests (filters as on the finding list: `status`
    takes `all` too, `overdue=yes`, `severity` repeated for several)."""

    serializer_class = VulnerabilityFindingSerializer
    filterset_class = FindingFilter
    export_columns = export_columns(list(FINDING_EXPORT_COLUMNS))
    export_name = "findings"
    search_fields = ["title", "cve", "host", "component"]
    ordering_fields = ["id", "severity", "due_on", "last_seen_at", "title", "cvss_score", "status"]
    # Clients sort by `last_seen_at` as if it were the finding's own field.
    queryset = FINDING_QUERYSET.annotate(last_seen_at=F("sighting__last_seen_at"))
    ordering = ["-severity", "due_on", "id"]
    create_service = staticmethod(services.create_finding)
    update_service = staticmethod(services.update_finding)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return VulnerabilityFindingListSerializer
        return VulnerabilityFindingSerializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action in ("retrieve", "create", "update", "partial_update", "status", "links"):
            return queryset.prefetch_related("risks", "incidents")
        return queryset

    def perform_create(self, serializer: Any) -> None:
        data, reason = self._service_data(serializer)
        serializer.instance = services.create_finding(
            by=self.request.user, unit=data.pop("unit", None), reason=reason, **data
        )

    def _fresh(self, finding: Finding) -> Response:
        fresh = FINDING_QUERYSET.prefetch_related("risks", "incidents").get(pk=finding.pk)
        return Response(VulnerabilityFindingSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=FindingStatusChangeSerializer, responses=VulnerabilityFindingSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Mark the finding fixed, or open it again, with the reason."""
        finding = self.get_object()
        form = FindingStatusChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        step = STATUS_STEPS[form.validated_data["status"]]
        step(finding, by=request.user, reason=form.validated_data["reason"])
        return self._fresh(finding)

    @extend_schema(request=FindingLinksSerializer, responses=VulnerabilityFindingSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def links(self, request: Request, pk: str | None = None) -> Response:
        """Link the finding to risk scenarios and incidents (those you can see)."""
        finding = self.get_object()
        form = FindingLinksSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        services.set_links(
            finding,
            by=request.user,
            risks=form.validated_data.get("risks"),
            incidents=form.validated_data.get("incidents"),
        )
        return self._fresh(finding)

    @extend_schema(responses=VulnerabilityFindingEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        """The finding's own history (found, found again, no longer found, decisions),
        newest first."""
        finding = self.get_object()
        page = self.paginate_queryset(finding.events.all())
        return self.get_paginated_response(VulnerabilityFindingEventSerializer(page, many=True).data)


def register_routes(router: BaseRouter) -> None:
    router.register("findings", FindingViewSet, basename="vulns-finding")
