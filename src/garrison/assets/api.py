"""API of the inventory: assets (with their dependency graph), dependencies, tags, imports.

Thin like the pages: querysets are scoped (an asset out of reach is a 404, like a
missing one) and writes go through garrison.assets.services, whose ValidationErrors
become 400s with field errors.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.assets import services
from garrison.assets.filtersets import AssetApiFilter
from garrison.assets.models import Asset, AssetDependency, Tag
from garrison.assets.queries import TREE_DEPTH, TREE_MAX_DEPTH, TreeNode, dependency_tree, explain_criticality
from garrison.assets.services.import_format import sorted_tag_names
from garrison.assets.tables import EXPORT_COLUMNS
from garrison.core.api.base import ScopedViewSet, TokenAccessPermission
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import ServiceWritesMixin
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.core.services.files import upload_limit_bytes


class TagNamesField(serializers.ListField):
    """Tags written and read as a list of names; unknown names become new tags."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(max_length=100), **kwargs)

    def get_attribute(self, instance: Asset) -> list[str]:
        return sorted_tag_names(instance)


RATING_HELP = "1 low, 2 moderate, 3 high, 4 very high."
CLASSIFICATION_HELP = "The highest of the three ratings: 1 public, 2 internal, 3 confidential, 4 secret."
CRITICALITY_HELP = "1 low, 2 medium, 3 high, 4 critical."


class AssetSerializer(serializers.ModelSerializer):
    owner = ScopedRelatedField(queryset=Person.objects.all())
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    site = ScopedRelatedField(queryset=Asset.objects.all(), allow_null=True, required=False)
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    site_reference = serializers.CharField(source="site.reference", read_only=True, default=None)
    ip_addresses = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    host_names = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    tags = TagNamesField(required=False)
    # Ratings and levels as plain numbers: the three ratings share one scale and the two
    # criticalities another, which an enum per field would name several ways in the schema.
    confidentiality = serializers.IntegerField(
        min_value=1, max_value=4, required=False, help_text=RATING_HELP
    )
    integrity = serializers.IntegerField(min_value=1, max_value=4, required=False, help_text=RATING_HELP)
    availability = serializers.IntegerField(min_value=1, max_value=4, required=False, help_text=RATING_HELP)
    classification = serializers.IntegerField(read_only=True, help_text=CLASSIFICATION_HELP)
    criticality = serializers.IntegerField(
        min_value=1, max_value=4, required=False, help_text=CRITICALITY_HELP
    )
    effective_criticality = serializers.IntegerField(read_only=True, help_text=CRITICALITY_HELP)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = Asset
        fields = [
            "id",
            "reference",
            "name",
            "asset_type",
            "owner",
            "owner_username",
            "unit",
            "unit_code",
            "site",
            "site_reference",
            "description",
            "lifecycle_status",
            "confidentiality",
            "integrity",
            "availability",
            "classification",
            "criticality",
            "effective_criticality",
            "is_critical_system",
            "ip_addresses",
            "host_names",
            "tags",
            "needs_review",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["classification", "effective_criticality", "created_at", "updated_at"]
        extra_kwargs = {"reference": {"required": False, "allow_blank": True}}


class AssetSummarySerializer(serializers.ModelSerializer):
    criticality = serializers.IntegerField(help_text=CRITICALITY_HELP)
    effective_criticality = serializers.IntegerField(help_text=CRITICALITY_HELP)

    class Meta:
        model = Asset
        fields = ["id", "reference", "name", "asset_type", "criticality", "effective_criticality"]


class GraphNodeSerializer(serializers.Serializer):
    """One asset of a dependency tree, with the next step in the same direction."""

    asset = AssetSummarySerializer()
    description = serializers.CharField()
    is_repeated = serializers.BooleanField(
        help_text="Shown higher in the tree already; its branch is not repeated."
    )
    is_truncated = serializers.BooleanField(help_text="Goes further than the depth asked for.")
    children = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, node: TreeNode) -> Any:
        return GraphNodeSerializer(node.children, many=True).data


class GraphSerializer(serializers.Serializer):
    asset = AssetSummarySerializer()
    depth = serializers.IntegerField()
    depends_on = GraphNodeSerializer(many=True)
    needed_by = GraphNodeSerializer(many=True)
    depends_on_is_cut = serializers.BooleanField()
    needed_by_is_cut = serializers.BooleanField()
    criticality_raised_by = serializers.ListField(
        child=serializers.CharField(),
        help_text="References from the asset whose own criticality this is, down to this asset; "
        "empty when it is the asset's own, or when the asset raising it is out of reach.",
    )


class ConfirmSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssetViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """Information assets. The export (`export/`) writes the import format."""

    queryset = Asset.objects.select_related("owner", "unit", "site").prefetch_related("tags")
    serializer_class = AssetSerializer
    filterset_class = AssetApiFilter
    export_columns = EXPORT_COLUMNS
    export_name = "assets"
    search_fields = ["reference", "name", "identifiers__value"]
    ordering_fields = [
        "reference",
        "name",
        "asset_type",
        "lifecycle_status",
        "classification",
        "criticality",
        "effective_criticality",
        "is_critical_system",
        "owner__full_name",
        "unit__name",
        "updated_at",
    ]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        self.require_unit_in_scope(data["unit"], Action.ADD)
        serializer.instance = services.create_asset(by=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        if "unit" in data and data["unit"] != serializer.instance.unit:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        serializer.instance = services.update_asset(
            serializer.instance, by=self.request.user, reason=reason, **data
        )

    delete_service = staticmethod(services.delete_asset)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "depth", OpenApiTypes.INT, description=f"Steps to follow each way, 1 to {TREE_MAX_DEPTH}."
            )
        ],
        responses=GraphSerializer,
    )
    @action(detail=True, methods=["get"])
    def graph(self, request: Request, pk: str | None = None) -> Response:
        """What the asset depends on and what depends on it, both ways, several levels deep."""
        asset = self.get_object()
        try:
            depth = int(request.query_params.get("depth", TREE_DEPTH))
        except ValueError:
            raise serializers.ValidationError({"depth": [_("A whole number is required.")]}) from None
        tree = dependency_tree(asset, request.user, depth)
        explanation = explain_criticality(asset, request.user)
        raised_by = [] if explanation.is_own or explanation.is_hidden else explanation.chain
        data = {
            "asset": asset,
            "depth": tree.depth,
            "depends_on": tree.depends_on,
            "needed_by": tree.needed_by,
            "depends_on_is_cut": tree.depends_on_is_cut,
            "needed_by_is_cut": tree.needed_by_is_cut,
            "criticality_raised_by": [item.reference for item in raised_by],
        }
        return Response(GraphSerializer(data).data)

    @extend_schema(request=ConfirmSerializer, responses=AssetSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The owner confirms an asset found by a scan or an import (`needs_review` becomes false)."""
        asset = self.get_object()
        form = ConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            asset = services.confirm_asset(asset, by=request.user, reason=form.validated_data["reason"])
        except PermissionDenied:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("Only its owner or someone managing its unit's assets may confirm it.")
                    ]
                }
            ) from None
        return Response(AssetSerializer(asset, context=self.get_serializer_context()).data)


class DependencySerializer(serializers.ModelSerializer):
    dependent = ScopedRelatedField(queryset=Asset.objects.all())
    dependency = ScopedRelatedField(queryset=Asset.objects.all())
    dependent_reference = serializers.CharField(source="dependent.reference", read_only=True)
    dependency_reference = serializers.CharField(source="dependency.reference", read_only=True)

    class Meta:
        model = AssetDependency
        fields = [
            "id",
            "dependent",
            "dependent_reference",
            "dependency",
            "dependency_reference",
            "description",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Duplicates are refused by the service, with the references in the message.
        validators: list[Any] = []


class DependencyViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Dependencies between assets: `dependent` needs `dependency`. A cycle is refused (400)."""

    queryset = AssetDependency.objects.select_related("dependent", "dependency")
    serializer_class = DependencySerializer
    filterset_fields = ["dependent", "dependency"]
    ordering_fields = ["created_at", "dependent__reference", "dependency__reference"]
    ordering = ["dependent__reference", "dependency__reference"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = services.add_dependency(
                data["dependent"],
                data["dependency"],
                by=self.request.user,
                description=data.get("description", ""),
            )
        except PermissionDenied:
            raise serializers.ValidationError(
                {"dependent": [_("You cannot change the dependencies of this asset.")]}
            ) from None

    delete_service = staticmethod(services.remove_dependency)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]
        # An existing name (in any case) answers with that tag instead of an error.
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Labels grouping assets, shared by the whole organisation."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        existed = Tag.objects.filter(name__iexact=serializer.validated_data["name"].strip()).exists()
        tag = services.create_tag(serializer.validated_data["name"], by=request.user)
        return Response(
            TagSerializer(tag).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or XLSX in the columns of the export.")
    dry_run = serializers.BooleanField(
        default=True, help_text="true: only preview; false: import, all rows or none."
    )

    def validate_file(self, upload: Any) -> Any:
        if upload.size > upload_limit_bytes():
            raise serializers.ValidationError(
                _("The file is larger than the upload limit of %(limit)s MB.")
                % {"limit": settings.MAX_UPLOAD_MEGABYTES}
            )
        return upload


class PlannedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.ListField(), help_text="{column: [before, after]} for an update."
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(help_text="The column key; empty for the row as a whole.")
    message = serializers.CharField()
    text = serializers.CharField(help_text="The whole message: “Row 14, owner: …”.")


class ImportPreviewSerializer(serializers.Serializer):
    """The preview (and, once committed, the record) of an import; describes the answer only."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # Built here: "errors" and "is_valid" would shadow the serializer's own attributes.
        return {
            "filename": serializers.CharField(),
            "committed": serializers.BooleanField(),
            "is_valid": serializers.BooleanField(),
            "total_rows": serializers.IntegerField(),
            "create_count": serializers.IntegerField(),
            "update_count": serializers.IntegerField(),
            "unchanged_count": serializers.IntegerField(),
            "error_count": serializers.IntegerField(),
            "to_create": PlannedRowSerializer(many=True),
            "to_update": PlannedRowSerializer(many=True),
            "errors": RowErrorSerializer(many=True),
            "file_errors": serializers.ListField(child=serializers.CharField()),
            "ignored_columns": serializers.ListField(child=serializers.CharField()),
        }


class MayImport(permissions.BasePermission):
    """Importing adds assets, so it needs the ADD grant on assets somewhere."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return has_grant(request.user, Domain.ASSETS, Action.ADD)


class ImportViewSet(viewsets.ViewSet):
    """Import an inventory file: a preview (`dry_run=true`), or the import itself."""

    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission, MayImport]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportPreviewSerializer, 201: ImportPreviewSerializer, 400: ImportPreviewSerializer},
    )
    def create(self, request: Request) -> Response:
        """The preview lists the rows to create and update and every error by row and column;
        committing writes every row or, if any has an error, nothing (400 with the preview)."""
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        data = upload.read()
        if form.validated_data["dry_run"]:
            preview = services.preview_import(data, upload.name, by=request.user)
            return Response({**preview.as_dict(), "committed": False})
        try:
            result = services.commit_import(data, upload.name, by=request.user)
        except services.ImportRejected as rejected:
            return Response(
                {**rejected.preview.as_dict(), "committed": False}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({**result.preview.as_dict(), "committed": True}, status=status.HTTP_201_CREATED)
