"""API of the vulnerability policy: one object at /api/vulns/policy/; GET reads it, PATCH
changes it (whoever may change vulnerability records over the whole organisation) and
answers with how many open findings got a new due date."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter, Route

from garrison.core.api.base import TokenAccessPermission
from garrison.core.api.records import reason_field
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.vulns.models import VulnerabilityPolicy
from garrison.vulns.services import policy as services

DAYS_HELP = "Whole number of days from 1 to 3650."


class VulnerabilityPolicySerializer(serializers.ModelSerializer):
    critical_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    high_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    medium_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    low_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    scan_window_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    penetration_test_period_days = serializers.IntegerField(required=False, help_text=DAYS_HELP)
    reason = reason_field()

    class Meta:
        model = VulnerabilityPolicy
        fields = [
            "critical_days",
            "high_days",
            "medium_days",
            "low_days",
            "scan_window_days",
            "penetration_test_period_days",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["updated_at"]


class PolicyChangeSerializer(VulnerabilityPolicySerializer):
    findings_recomputed = serializers.IntegerField(
        read_only=True, help_text="Open findings whose due date the change moved."
    )

    class Meta(VulnerabilityPolicySerializer.Meta):
        fields = [*VulnerabilityPolicySerializer.Meta.fields, "findings_recomputed"]


class VulnerabilityPolicyViewSet(viewsets.GenericViewSet):
    """The organisation's vulnerability policy: read by whoever reads vulnerabilities."""

    queryset = VulnerabilityPolicy.objects.all()
    serializer_class = VulnerabilityPolicySerializer
    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]
    pagination_class = None
    filter_backends: list[Any] = []

    def _policy(self) -> VulnerabilityPolicy:
        policy = services.current_policy()
        if not can(self.request.user, Action.VIEW, policy):
            raise Http404
        return policy

    def show_policy(self, request: Request) -> Response:
        """The policy in force."""
        return Response(self.get_serializer(self._policy()).data)

    @extend_schema(request=VulnerabilityPolicySerializer, responses=PolicyChangeSerializer)
    def change_policy(self, request: Request) -> Response:
        """Change some of the periods; an SLA change moves the due dates of open findings."""
        policy = self._policy()
        if not can(request.user, Action.CHANGE, policy):
            raise PermissionDenied(
                _("Only whoever may change vulnerability records everywhere changes the policy.")
            )
        form = self.get_serializer(policy, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        reason = fields.pop("reason", "")
        change = services.change_policy(policy, by=request.user, reason=reason, **fields)
        data = dict(VulnerabilityPolicySerializer(change.policy).data)
        data["findings_recomputed"] = change.findings_recomputed
        return Response(data)


# The policy is one object at its collection's address. The route only applies to viewsets
# with these two methods (this one).
POLICY_ROUTE = Route(
    url=r"^{prefix}{trailing_slash}$",
    mapping={"get": "show_policy", "patch": "change_policy"},
    name="{basename}-singleton",
    detail=False,
    initkwargs={},
)


def register_routes(router: BaseRouter) -> None:
    if POLICY_ROUTE not in router.routes:  # type: ignore[attr-defined]
        router.routes = [*router.routes, POLICY_ROUTE]  # type: ignore[attr-defined]
    router.register("policy", VulnerabilityPolicyViewSet, basename="vulns-policy")
