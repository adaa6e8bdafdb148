"""API of the supplier master: suppliers (with their contacts and documents nested
read-only), contacts, qualification documents (file upload optional, multipart) and the
supplier categories.

Thin: serializers validate shapes, garrison.suppliers.services.suppliers writes, scoping
decides what exists for the person (a supplier out of reach is a 404). The list is lean:
one query for the page's rows with their unit, one for their categories, none per row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.exports import ExportMixin
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action
from garrison.core.scoping import can
from garrison.suppliers.filtersets_suppliers import SupplierFilter
from garrison.suppliers.models import QualificationDocument, Supplier, SupplierCategory, SupplierContact
from garrison.suppliers.services import suppliers as services
from garrison.suppliers.tables_suppliers import CATEGORY_COLUMNS, SUPPLIER_EXPORT_COLUMNS, SUPPLIER_QUERYSET
from garrison.web.lists import export_columns


class CategoryCodesField(serializers.SlugRelatedField):
    """Categories by code (such as hardware, cloud_software)."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            kwargs["queryset"] = SupplierCategory.objects.all()
        super().__init__(slug_field="code", **kwargs)


def _may_change_supplier(serializer: serializers.Serializer, supplier: Supplier) -> Supplier:
    instance = getattr(serializer, "instance", None)
    if instance is not None and supplier.pk != instance.supplier_id:
        raise serializers.ValidationError(_("A record stays with its supplier."))
    if not can(serializer.context["request"].user, Action.CHANGE, supplier):
        raise serializers.ValidationError(_("You cannot change this supplier."))
    return supplier


# Contacts and documents ---------------------------------------------------------------------------


class SupplierContactSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    reason = reason_field()

    class Meta:
        model = SupplierContact
        fields = ["id", "supplier", "name", "role", "email", "phone", "is_primary", "created_at", "reason"]
        read_only_fields = ["created_at"]

    def validate_supplier(self, supplier: Supplier) -> Supplier:
        return _may_change_supplier(self, supplier)


class AttachmentSummarySerializer(serializers.Serializer):
    filename = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download_url = serializers.CharField(help_text="The file, for whoever may read the supplier.")


class SupplierDocumentSerializer(serializers.ModelSerializer):
    supplier = ScopedRelatedField(queryset=Supplier.objects.all())
    upload = serializers.FileField(
        write_only=True,
        required=False,
        help_text="The scanned document (multipart/form-data); replaces the kept file on update.",
    )
    file = serializers.SerializerMethodField()
    reason = reason_field()

    class Meta:
        model = QualificationDocument
        fields = [
            "id",
            "supplier",
            "kind",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "notes",
            "file",
            "upload",
            "reminders_sent",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["reminders_sent", "created_at", "updated_at"]

    def validate_supplier(self, supplier: Supplier) -> Supplier:
        return _may_change_supplier(self, supplier)

    @extend_schema_field(AttachmentSummarySerializer(allow_null=True))
    def get_file(self, document: QualificationDocument) -> dict[str, Any] | None:
        attachment = document.attachment
        if attachment is None:
            return None
        return {
            "filename": attachment.filename,
            "size": attachment.stored_file.size,
            "sha256": attachment.stored_file.sha256,
            "download_url": reverse("suppliers:document-download", args=[document.supplier_id, document.pk]),
        }


class SupplierContactViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """The people at suppliers the organisation deals with (filter by `supplier`)."""

    queryset = SupplierContact.objects.select_related("supplier")
    serializer_class = SupplierContactSerializer
    filterset_fields = ["supplier", "is_primary"]
    search_fields = ["name", "role", "email"]
    ordering_fields = ["name", "created_at"]
    ordering = ["supplier", "-is_primary", "name"]
    parent_field = "supplier"
    create_service = staticmethod(services.add_contact)
    update_service = staticmethod(services.update_contact)
    delete_service = staticmethod(services.remove_contact)

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change a supplier may add its contacts; checked on the supplier.
        return True


def _upload_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Service keywords of an uploaded file (its name and media type go with it)."""
    upload = data.pop("upload", None)
    if upload is None:
        return {}
    return {
        "upload": upload,
        "filename": getattr(upload, "name", "") or "",
        "content_type": getattr(upload, "content_type", "") or "",
    }


class SupplierDocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Suppliers' qualification documents with their expiry dates (filter by `supplier`,
    `kind`); send JSON for the facts, or multipart/form-data with `upload` for the file."""

    queryset = QualificationDocument.objects.select_related("supplier", "attachment__stored_file")
    serializer_class = SupplierDocumentSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["supplier", "kind"]
    search_fields = ["number", "issuer", "notes"]
    ordering_fields = ["expires_on", "kind", "created_at"]
    ordering = ["expires_on", "id"]

    def person_may_add(self, person: Any) -> bool:
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        supplier = data.pop("supplier")
        upload = _upload_fields(data)
        serializer.instance = services.add_document(
            supplier, by=self.request.user, reason=reason, **upload, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        data.pop("supplier", None)
        upload = _upload_fields(data)
        serializer.instance = services.update_document(
            serializer.instance, by=self.request.user, reason=reason, **upload, **data
        )

    def perform_destroy(self, instance: QualificationDocument) -> None:
        services.remove_document(instance, by=self.request.user)


# Suppliers ----------------------------------------------------------------------------------------


class SupplierListSerializer(serializers.ModelSerializer):
    """A row of the supplier list: what the list page shows, read from the row and the
    prefetched categories only."""

    categories = CategoryCodesField(many=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "reference",
            "name",
            "name_en",
            "credit_code",
            "country",
            "region",
            "status",
            "tier",
            "categories",
            "unit",
            "unit_name",
            "esg_score",
            "security_score",
            "performance_score",
            "performance_band",
        ]
        read_only_fields = fields


class SupplierSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="The unified social credit code (18 characters, checked with its check digit); "
        "required for suppliers in mainland China (country CN).",
    )
    country = serializers.CharField(
        required=False, max_length=2, help_text="ISO 3166-1 alpha-2 code (CN, HK, MO, TW, DE …)."
    )
    categories = CategoryCodesField(many=True, required=False)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    manager = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    assets = ScopedRelatedField(queryset=Asset.objects.all(), many=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    manager_name = serializers.CharField(source="manager.full_name", read_only=True, default=None)
    contacts = SupplierContactSerializer(many=True, read_only=True)
    documents = SupplierDocumentSerializer(many=True, read_only=True)
    allow_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On create: register the supplier although a near-identical name is registered "
        "(after checking it is another company). A same credit code is always refused.",
    )
    reason = reason_field()

    class Meta:
        model = Supplier
        fields = [
            "id",
            "reference",
            "name",
            "name_en",
            "normalised_name",
            "credit_code",
            "registration_number",
            "country",
            "region",
            "categories",
            "tier",
            "status",
            "status_since",
            "suspended_until",
            "access_path",
            "qualified_at",
            "full_review_due",
            "unit",
            "unit_name",
            "manager",
            "manager_name",
            "assets",
            "services",
            "website",
            "address",
            "notes",
            "esg_score",
            "security_score",
            "performance_score",
            "performance_band",
            "contacts",
            "documents",
            "created_at",
            "updated_at",
            "allow_duplicate",
            "reason",
        ]
        read_only_fields = [
            "reference",
            "normalised_name",
            "region",
            "status",
            "status_since",
            "suspended_until",
            "access_path",
            "qualified_at",
            "full_review_due",
            "esg_score",
            "security_score",
            "performance_score",
            "performance_band",
            "created_at",
            "updated_at",
        ]
        # The service checks the credit code once compacted, and names the supplier holding it.
        validators: list[Any] = []


class SupplierViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """The supplier master (status, scores and access dates are read-only here)."""

    queryset = SUPPLIER_QUERYSET
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    export_columns = export_columns(list(SUPPLIER_EXPORT_COLUMNS))
    export_name = "suppliers"
    search_fields = ["reference", "name", "name_en", "credit_code"]
    ordering_fields = [
        "reference",
        "name",
        "name_en",
        "status",
        "region",
        "tier",
        "esg_score",
        "security_score",
        "performance_score",
        "created_at",
    ]
    ordering = ["reference"]
    create_service = staticmethod(services.create_supplier)
    update_service = staticmethod(services.update_supplier)
    delete_service = staticmethod(services.delete_supplier)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return SupplierListSerializer
        return SupplierSerializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "list":
            return queryset.select_related(None).select_related("unit").prefetch_related("categories")
        if self.action in ("retrieve", "update", "partial_update", "create"):
            return queryset.prefetch_related("assets", "contacts", "documents__attachment__stored_file")
        return queryset

    def perform_update(self, serializer: Any) -> None:
        serializer.validated_data.pop("allow_duplicate", None)
        super().perform_update(serializer)


# Categories ---------------------------------------------------------------------------------------


class SupplierCategorySerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = SupplierCategory
        fields = ["id", "code", "name", "name_zh", "description", "is_active", "reason"]
        # The service names a code already taken.
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {"code": {"validators": []}}


class SupplierCategoryViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    """What suppliers provide; Administrators and Procurement Officers over the whole
    organisation add, rename and take categories out of use (`is_active`)."""

    queryset = SupplierCategory.objects.all()
    serializer_class = SupplierCategorySerializer
    filterset_fields = ["is_active"]
    export_columns = export_columns(list(CATEGORY_COLUMNS))
    export_name = "supplier-categories"
    search_fields = ["code", "name", "name_zh"]
    ordering_fields = ["code", "name"]
    ordering = ["name"]
    create_service = staticmethod(services.create_category)
    update_service = staticmethod(services.update_category)

    def person_may_add(self, person: Any) -> bool:
        return services.may_manage_categories(person)


def register_routes(router: BaseRouter) -> None:
    router.register("suppliers", SupplierViewSet, basename="supplier")
    router.register("supplier-contacts", SupplierContactViewSet, basename="supplier-contact")
    router.register("supplier-documents", SupplierDocumentViewSet, basename="supplier-document")
    router.register("supplier-categories", SupplierCategoryViewSet, basename="supplier-category")
