"""API of finding exceptions: creating one asks for it on a finding; `approve`, `reject`
and `withdraw` decide it; the list filters and exports like the web page.

Thin: serializers check shapes, garrison.vulns.services.exceptions writes and says who may
decide, scoping decides what exists for the person (out of reach is a 404). Refusals of
the four-eyes rule are 400s with the reason, recorded in the audit trail by the service.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import DecisionMixin, DecisionSerializer
from garrison.core.roles import Action
from garrison.risks.models import RiskScenario
from garrison.vulns.models import ExceptionKind, Finding, FindingException
from garrison.vulns.services import exceptions as services
from garrison.vulns.tables_exceptions import EXCEPTION_COLUMNS, EXCEPTION_QUERYSET, FindingExceptionFilter
from garrison.web.lists import export_columns


class FindingExceptionSerializer(serializers.ModelSerializer):
    finding = ScopedRelatedField(queryset=Finding.objects.all())
    finding_reference = serializers.CharField(source="finding.reference", read_only=True)
    finding_title = serializers.CharField(source="finding.title", read_only=True)
    finding_status = serializers.CharField(source="finding.status", read_only=True)
    kind = serializers.ChoiceField(choices=ExceptionKind.choices)
    # Blank is let through so that the service answers with its own message.
    justification = serializers.CharField(allow_blank=True, max_length=4000)
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Required for a risk acceptance: after today, at most a year ahead.",
    )
    risk = ScopedRelatedField(
        queryset=RiskScenario.objects.all(),
        required=False,
        allow_null=True,
        help_text="The accepted risk scenario that covers the finding (risk acceptances only).",
    )
    risk_reference = serializers.CharField(source="risk.reference", read_only=True, default=None)
    requested_by_name = serializers.CharField(source="requested_by.full_name", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)

    class Meta:
        model = FindingException
        fields = [
            "id",
            "finding",
            "finding_reference",
            "finding_title",
            "finding_status",
            "kind",
            "status",
            "justification",
            "expires_on",
            "risk",
            "risk_reference",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = [
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]


class FindingExceptionViewSet(
    DecisionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Exceptions to the remediation of findings (risk acceptances with an expiry, false
    positives) and their decisions."""

    queryset = EXCEPTION_QUERYSET
    serializer_class = FindingExceptionSerializer
    filterset_class = FindingExceptionFilter
    export_columns = export_columns(list(EXCEPTION_COLUMNS))
    export_name = "finding-exceptions"
    search_fields = ["finding__title", "finding__cve", "justification"]
    ordering_fields = ["requested_at", "expires_on", "status", "kind", "finding__severity"]
    ordering = ["-requested_at", "-id"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a finding may ask for an exception to it; the service checks.
        return True

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.request_exception(
            data["finding"],
            by=self.request.user,
            kind=data["kind"],
            justification=data["justification"],
            expires_on=data.get("expires_on"),
            risk=data.get("risk"),
        )

    @extend_schema(request=DecisionSerializer, responses=FindingExceptionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the request (not by the requester); the finding's status follows."""
        return self.decide(request, services.approve_exception)

    @extend_schema(request=DecisionSerializer, responses=FindingExceptionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Refuse the request, saying why in the comment (not by the requester)."""
        return self.decide(request, services.reject_exception)

    @extend_schema(request=DecisionSerializer, responses=FindingExceptionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The requester takes the request back."""
        return self.decide(request, services.withdraw_exception)


def register_routes(router: BaseRouter) -> None:
    router.register("exceptions", FindingExceptionViewSet, basename="vulns-exception")
