"""API of the framework library: frameworks and their requirement trees, reference
controls, mapping sets and their relations.

Read-only: library data changes only by loading a library (`api/library/libraries/upload/`).
Everything is scoped through `ScopedViewSet`, so a person without the compliance grant
gets empty lists and a 404 for any object.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.compliance.filtersets import (
    FrameworkFilter,
    MappingSetFilter,
    ReferenceControlFilter,
    RequirementFilter,
    RequirementMappingFilter,
)
from garrison.compliance.models import (
    Framework,
    MappingSet,
    ReferenceControl,
    RequirementMapping,
    RequirementNode,
)
from garrison.compliance.tables import FRAMEWORK_COLUMNS, REFERENCE_CONTROL_COLUMNS, RELATION_COLUMNS
from garrison.compliance.tree import TreeNode, build_tree
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.web.lists import export_columns

# The most nodes one tree answer holds; larger frameworks are read page by page from
# `requirements/?framework=`. The largest shipped or sample framework is well below it.
TREE_MAXIMUM_NODES = 5000

TREE_NODE_FIELDS = ("id", "urn", "reference", "name", "name_zh", "is_assessable", "depth", "children")


class FrameworkSerializer(serializers.ModelSerializer):
    requirement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Framework
        fields = [
            "id",
            "urn",
            "reference",
            "name",
            "name_zh",
            "description",
            "description_zh",
            "provider",
            "origin",
            "library_urn",
            "requirement_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    reference_controls: serializers.PrimaryKeyRelatedField[ReferenceControl] = (
        serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    )

    class Meta:
        model = RequirementNode
        fields = [
            "id",
            "urn",
            "framework",
            "parent",
            "reference",
            "name",
            "name_zh",
            "description",
            "description_zh",
            "is_assessable",
            "order",
            "depth",
            "reference_controls",
        ]
        read_only_fields = fields


class MappingSetSerializer(serializers.ModelSerializer):
    relation_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MappingSet
        fields = [
            "id",
            "urn",
            "name",
            "name_zh",
            "description",
            "source_framework",
            "target_framework",
            "library_urn",
            "relation_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RequirementMappingSerializer(serializers.ModelSerializer):
    source_reference = serializers.CharField(source="source.reference", read_only=True)
    target_reference = serializers.CharField(source="target.reference", read_only=True)

    class Meta:
        model = RequirementMapping
        fields = [
            "id",
            "mapping_set",
            "source",
            "source_reference",
            "target",
            "target_reference",
            "relation",
            "strength",
            "rationale",
        ]
        read_only_fields = fields


class ReferenceControlSerializer(serializers.ModelSerializer):
    requirement_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReferenceControl
        fields = [
            "id",
            "urn",
            "reference",
            "name",
            "name_zh",
            "description",
            "description_zh",
            "category",
            "function",
            "library_urn",
            "requirement_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def tree_data(item: TreeNode) -> dict[str, Any]:
    node = item.node
    return {
        "id": node.pk,
        "urn": node.urn,
        "reference": node.reference,
        "name": node.name,
        "name_zh": node.name_zh,
        "is_assessable": node.is_assessable,
        "depth": node.depth,
        "children": [tree_data(child) for child in item.children],
    }


TreeSerializer = inline_serializer(
    "RequirementTree",
    fields={
        "framework": serializers.IntegerField(),
        "count": serializers.IntegerField(help_text="How many nodes the answer holds."),
        "is_complete": serializers.BooleanField(
            help_text=f"False when the framework holds more than {TREE_MAXIMUM_NODES} nodes and only "
            "the first ones in reading order are given."
        ),
        "nodes": serializers.ListField(
            child=serializers.DictField(),
            help_text="Top-level requirements, each with "
            + ", ".join(TREE_NODE_FIELDS)
            + "; children nest the same way.",
        ),
    },
)


class FrameworkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """The frameworks loaded from libraries; `tree` gives one framework's requirements nested."""

    queryset = Framework.objects.annotate(requirement_count=Count("requirements")).order_by("reference", "pk")
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilter
    search_fields = ["reference", "name", "name_zh", "provider", "urn"]
    ordering_fields = ["reference", "name", "provider", "requirement_count"]
    export_columns = export_columns(FRAMEWORK_COLUMNS)
    export_name = "frameworks"

    @extend_schema(responses={200: TreeSerializer}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def tree(self, request: Request, pk: str | None = None) -> Response:
        """The framework's whole requirement tree as nested JSON, in reading order (at most
        TREE_MAXIMUM_NODES nodes; `is_complete` says whether all were given)."""
        framework = self.get_object()
        nodes = restrict(RequirementNode.objects.filter(framework=framework), request.user, Action.VIEW)
        # One query, in reading order: a cut-off tree keeps every parent of the nodes it holds.
        loaded = list(nodes.order_by("order", "pk")[: TREE_MAXIMUM_NODES + 1])
        is_complete = len(loaded) <= TREE_MAXIMUM_NODES
        loaded = loaded[:TREE_MAXIMUM_NODES]
        return Response(
            {
                "framework": framework.pk,
                "count": len(loaded),
                "is_complete": is_complete,
                "nodes": [tree_data(item) for item in build_tree(loaded)],
            }
        )


class RequirementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The requirements of every framework, flat, in reading order."""

    queryset = RequirementNode.objects.prefetch_related("reference_controls").order_by(
        "framework__reference", "order", "pk"
    )
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilter
    search_fields: list[str] = []
    ordering_fields = ["order", "reference"]


class MappingSetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The mapping sets between frameworks."""

    queryset = MappingSet.objects.annotate(relation_count=Count("relations")).order_by("name", "pk")
    serializer_class = MappingSetSerializer
    filterset_class = MappingSetFilter
    search_fields = ["name", "name_zh", "urn"]
    ordering_fields = ["name", "relation_count"]


class RequirementMappingViewSet(mixins.ListModelMixin, ExportMixin, ScopedViewSet):
    """The relations of every mapping set: a source requirement, a relation, a target."""

    queryset = RequirementMapping.objects.select_related("source", "target").order_by(
        "mapping_set", "source__order", "target__order", "pk"
    )
    serializer_class = RequirementMappingSerializer
    filterset_class = RequirementMappingFilter
    search_fields: list[str] = []
    ordering_fields = ["relation", "strength"]
    export_columns = export_columns(RELATION_COLUMNS)
    export_name = "requirement-mappings"


class ReferenceControlViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ExportMixin, ScopedViewSet):
    """The reference controls: controls described once for several frameworks."""

    queryset = ReferenceControl.objects.annotate(requirement_count=Count("requirements")).order_by(
        "reference", "pk"
    )
    serializer_class = ReferenceControlSerializer
    filterset_class = ReferenceControlFilter
    search_fields = ["reference", "name", "name_zh", "description", "urn"]
    ordering_fields = ["reference", "name", "category", "requirement_count"]
    export_columns = export_columns(REFERENCE_CONTROL_COLUMNS)
    export_name = "reference-controls"


def register_routes(router: Any) -> None:
    router.register("frameworks", FrameworkViewSet, basename="framework")
    router.register("requirements", RequirementViewSet, basename="requirement")
    router.register("mapping-sets", MappingSetViewSet, basename="mapping-set")
    router.register("requirement-mappings", RequirementMappingViewSet, basename="requirement-mapping")
    router.register("reference-controls", ReferenceControlViewSet, basename="reference-control")
