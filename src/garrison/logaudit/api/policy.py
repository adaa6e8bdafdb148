"""API of the log-audit policy: one object at /api/logaudit/policy/; GET reads it, PUT
(every value) or PATCH (some) changes it — whoever may change log-audit records over the
whole organisation, with an optional reason kept in the audit trail."""

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
from garrison.logaudit.models import LogAuditPolicy
from garrison.logaudit.services import policy as services


class LogAuditPolicySerializer(serializers.ModelSerializer):
    # Plain integers: the service checks the bounds and words the refusals.
    audit_weekday = serializers.IntegerField(help_text="0 is Monday … 6 is Sunday.")
    escalation_hours = serializers.IntegerField(help_text="Hours from 1 to 720.")
    retention_days = serializers.IntegerField(
        help_text="Days from 180 (six months of network logs, a legal minimum) to 3650."
    )
    samples_per_finding = serializers.IntegerField(help_text="From 1 to 500.")
    reason = reason_field()

    class Meta:
        model = LogAuditPolicy
        fields = [*services.POLICY_FIELDS, "updated_at", "reason"]
        read_only_fields = ["updated_at"]


class LogAuditPolicyViewSet(viewsets.GenericViewSet):
    """The organisation's log-audit policy: read by whoever reads log audits."""

    queryset = LogAuditPolicy.objects.all()
    serializer_class = LogAuditPolicySerializer
    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]
    pagination_class = None
    filter_backends: list[Any] = []

    def _policy(self) -> LogAuditPolicy:
        policy = services.current_policy()
        if not can(self.request.user, Action.VIEW, policy):
            raise Http404
        return policy

    def _change(self, request: Request, *, partial: bool) -> Response:
        policy = self._policy()
        if not can(request.user, Action.CHANGE, policy):
            raise PermissionDenied(
                _("Only whoever may change log-audit records everywhere changes the policy.")
            )
        form = self.get_serializer(policy, data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        reason = fields.pop("reason", "")
        services.change_policy(policy, by=request.user, reason=reason, **fields)
        return Response(self.get_serializer(policy).data)

    def show_policy(self, request: Request) -> Response:
        """The policy in force."""
        return Response(self.get_serializer(self._policy()).data)

    @extend_schema(request=LogAuditPolicySerializer, responses=LogAuditPolicySerializer)
    def replace_policy(self, request: Request) -> Response:
        """Set every value of the policy."""
        return self._change(request, partial=False)

    @extend_schema(request=LogAuditPolicySerializer, responses=LogAuditPolicySerializer)
    def change_policy(self, request: Request) -> Response:
        """Change some values of the policy."""
        return self._change(request, partial=True)


# The policy is one object at its collection's address. The route applies only to viewsets
# with these methods (this one).
POLICY_ROUTE = Route(
    url=r"^{prefix}{trailing_slash}$",
    mapping={"get": "show_policy", "put": "replace_policy", "patch": "change_policy"},
    name="{basename}-singleton",
    detail=False,
    initkwargs={},
)


def register_routes(router: BaseRouter) -> None:
    if POLICY_ROUTE not in router.routes:  # type: ignore[attr-defined]
        router.routes = [*router.routes, POLICY_ROUTE]  # type: ignore[attr-defined]
    router.register("policy", LogAuditPolicyViewSet, basename="logaudit-policy")
