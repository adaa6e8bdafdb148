"""API of suppressions: list (filters and export like the web page), create, retrieve,
the history of one, and `revoke` with a reason.

Thin: serializers check shapes, garrison.logaudit.services.suppressions writes and says
what fits each kind, scoping decides what exists for the person (out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.logaudit.filtersets_suppressions import SuppressionFilter
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind
from garrison.logaudit.services import suppressions as services
from garrison.logaudit.tables_suppressions import SUPPRESSION_COLUMNS, SUPPRESSION_QUERYSET
from garrison.web.lists import export_columns


class SuppressionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=SuppressionKind.choices)
    rule = ScopedRelatedField(
        queryset=DetectionRule.objects.all(), required=False, allow_null=True, help_text="Empty: every rule."
    )
    rule_title = serializers.CharField(source="rule.title", read_only=True, default=None)
    unit = ScopedRelatedField(
        queryset=OrgUnit.objects.all(),
        required=False,
        allow_null=True,
        help_text="The site (site and account suppressions); an asset suppression takes its asset's unit.",
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    asset = ScopedRelatedField(
        queryset=Asset.objects.all(),
        required=False,
        allow_null=True,
        help_text="The asset (asset suppressions, or an account on one asset).",
    )
    asset_reference = serializers.CharField(source="asset.reference", read_only=True, default=None)
    account = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Account suppressions: the user name."
    )
    # Blank and null are let through so that the service answers with its own message.
    reason = serializers.CharField(allow_blank=True, max_length=4000)
    expires_on = serializers.DateField(
        allow_null=True, help_text="Today at the earliest, at most 365 days ahead."
    )
    owner = ScopedRelatedField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        help_text="Reminded a week before the expiry; the person creating it when left out.",
    )
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    state = serializers.SerializerMethodField(help_text="active, expired or revoked.")

    class Meta:
        model = Suppression
        fields = [
            "id",
            "reference",
            "kind",
            "rule",
            "rule_title",
            "unit",
            "unit_name",
            "asset",
            "asset_reference",
            "account",
            "reason",
            "expires_on",
            "owner",
            "owner_name",
            "state",
            "match_count",
            "created_by",
            "created_at",
            "revoked_by",
            "revoked_at",
        ]
        read_only_fields = [
            "reference",
            "match_count",
            "created_by",
            "created_at",
            "revoked_by",
            "revoked_at",
        ]

    def get_state(self, suppression: Suppression) -> str:
        return services.state_of(suppression)


class SuppressionRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="Why it ends before its date."
    )


class SuppressionViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Suppressions: matches of a rule (or every rule) expected at a site, on an asset or
    for an account, kept out of the weekly findings until their expiry date."""

    queryset = SUPPRESSION_QUERYSET
    serializer_class = SuppressionSerializer
    filterset_class = SuppressionFilter
    export_columns = export_columns(list(SUPPRESSION_COLUMNS))
    export_name = "logaudit-suppressions"
    search_fields = ["reference", "account", "reason", "rule__title", "asset__name", "unit__name"]
    ordering_fields = ["expires_on", "created_at", "kind", "match_count", "reference"]
    ordering = ["expires_on", "id"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.create_suppression(
            by=self.request.user,
            kind=data["kind"],
            reason=data["reason"],
            expires_on=data.get("expires_on"),
            unit=data.get("unit"),
            asset=data.get("asset"),
            account=data.get("account", ""),
            rule=data.get("rule"),
            owner=data.get("owner"),
        )

    @extend_schema(request=SuppressionRevokeSerializer, responses=SuppressionSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """End the suppression before its date, saying why."""
        suppression = self.get_object()
        if not can(request.user, Action.CHANGE, suppression):
            raise PermissionDenied(_("Only whoever may change log-audit records here revokes a suppression."))
        form = SuppressionRevokeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.revoke_suppression(suppression, by=request.user, reason=form.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=suppression.pk)).data)


def register_routes(router: BaseRouter) -> None:
    router.register("suppressions", SuppressionViewSet, basename="logaudit-suppression")
