"""API of the detection-rule library: list and read the rules, add one from its Sigma YAML,
switch one on or off (PATCH `enabled`), export the list.

Everyone with the log-audit domain reads; Security Officers and Administrators of the whole
organisation add and switch rules. Thin: garrison.logaudit.services.rules checks the YAML
with the engine and audits every change.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.records import reason_field
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.logaudit.forms_rules import RULE_MAX_BYTES
from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services
from garrison.logaudit.tables_rules import RULE_EXPORT_COLUMNS, RULE_QUERYSET, RuleFilter
from garrison.web.lists import export_columns


class DetectionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DetectionRule
        fields = [
            "id",
            "rule_id",
            "name",
            "title",
            "description",
            "level",
            "sigma_status",
            "author",
            "references",
            "licence",
            "origin",
            "logsource",
            "tags",
            "source_path",
            "text",
            "is_correlation",
            "enabled",
            "runnable",
            "problem",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RuleCreateSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=RULE_MAX_BYTES,
        trim_whitespace=False,
        help_text="One Sigma rule or correlation rule, as YAML.",
    )
    origin = serializers.ChoiceField(
        choices=[(RuleOrigin.CUSTOM.value, "custom"), (RuleOrigin.SIGMAHQ.value, "sigmahq")],
        default=RuleOrigin.CUSTOM.value,
        help_text="sigmahq keeps the rule's author, references and the DRL 1.1 licence notice.",
    )
    source_path = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="The file the rule came from."
    )

    def validate_text(self, value: str) -> str:
        return value.replace("\x00", "")

    def validate_source_path(self, value: str) -> str:
        return value.replace("\x00", "").strip()


class RuleEnabledSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Whether weekly audits run the rule.")
    reason = reason_field()


class DetectionRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """Detection rules (Sigma): Garrison's rule pack, rules imported from SigmaHQ and the
    organisation's own. POST adds one from its YAML (400 naming the reason when it is not a
    Sigma rule; a rule the engine cannot run is stored with `runnable` false and `problem`);
    PATCH switches `enabled`."""

    queryset = RULE_QUERYSET
    serializer_class = DetectionRuleSerializer
    filterset_class = RuleFilter
    search_fields = ["title", "rule_id", "author", "description"]
    ordering_fields = ["title", "level", "origin", "updated_at", "rule_id"]
    ordering = ["title", "id"]
    export_columns = export_columns(RULE_EXPORT_COLUMNS)
    export_name = "detection-rules"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def person_may_add(self, person: Any) -> bool:
        return services.may_change_rules(person)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Without the domain the library does not exist for the person (as for a missing page).
        if not has_grant(request.user, Domain.LOG_AUDIT, Action.VIEW):
            raise NotFound

    @extend_schema(request=RuleCreateSerializer, responses={201: DetectionRuleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = RuleCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        rule = services.add_rule(
            data["text"], by=request.user, origin=data["origin"], source_path=data["source_path"]
        )
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleEnabledSerializer, responses=DetectionRuleSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Switch the rule on or off for the weekly audits (audited with the reason)."""
        rule = self.get_object()
        if not services.may_change_rules(request.user):
            raise PermissionDenied(str(services.LIBRARY_REFUSAL))
        form = RuleEnabledSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        rule = services.set_enabled(rule, data["enabled"], by=request.user, reason=data.get("reason", ""))
        return Response(self.get_serializer(rule).data)


def register_routes(router: BaseRouter) -> None:
    router.register("rules", DetectionRuleViewSet, basename="logaudit-rule")
