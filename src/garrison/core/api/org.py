"""API for the organisation: units, people, role assignments, responsibilities."""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django.contrib.auth.password_validation import validate_password as check_password_rules
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core.api.base import ScopedViewSet, changeable_target
from garrison.core.api.exports import ExportMixin
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.core.services import identity as identity_services
from garrison.core.services import mfa as mfa_services
from garrison.core.services import org as org_services
from garrison.core.tables import PERSON_COLUMNS, ROLE_ASSIGNMENT_COLUMNS, UNIT_COLUMNS
from garrison.web.lists import export_columns


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object, resolvable only among objects the person may see."""

    def get_queryset(self) -> models.QuerySet[Any]:
        request = self.context.get("request")
        queryset = super().get_queryset()
        if queryset is None:
            raise ImproperlyConfigured("ScopedRelatedField needs a queryset")
        return restrict(queryset, getattr(request, "user", None), Action.VIEW)


class OrgUnitSerializer(serializers.ModelSerializer):
    # The stubs see Field.parent (the enclosing serializer); declared fields never become attributes.
    parent = ScopedRelatedField(  # type: ignore[assignment]
        queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "name",
            "name_zh",
            "code",
            "kind",
            "parent",
            "path",
            "depth",
            "description",
            "is_active",
        ]
        read_only_fields = ["path", "depth"]


class OrgUnitFilter(ScopedFilterSet):
    within = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(), method="filter_within", label=gettext_lazy("Within unit")
    )

    class Meta:
        model = OrgUnit
        fields = ["kind", "parent", "is_active"]

    def filter_within(self, queryset: models.QuerySet[OrgUnit], name: str, value: OrgUnit) -> Any:
        return queryset.filter(path__startswith=value.path)


class OrgUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    queryset = OrgUnit.objects.select_related("parent")
    export_columns = export_columns(UNIT_COLUMNS)
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter
    search_fields = ["name", "name_zh", "code"]
    ordering_fields = ["name", "code", "kind", "path"]

    def perform_create(self, serializer: Any) -> None:
        parent = serializer.validated_data.get("parent")
        if parent is None and not self.request.user.is_superuser:
            raise serializers.ValidationError(
                {"parent": [_("Only the installation account can add a root unit.")]}
            )
        self.require_unit_in_scope(parent, Action.ADD, "parent")
        serializer.instance = org_services.create_unit(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        if "parent" in serializer.validated_data:
            parent = serializer.validated_data["parent"]
            # Detaching a unit would make it a root, and a grant on a root covers every tree.
            if (
                parent is None
                and serializer.instance.parent_id is not None
                and not self.request.user.is_superuser
            ):
                raise serializers.ValidationError(
                    {"parent": [_("Only the installation account can add a root unit.")]}
                )
            self.require_unit_in_scope(parent, Action.CHANGE, "parent")
        serializer.instance = org_services.update_unit(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )


class PersonSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    manager = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    manager_name = serializers.CharField(source="manager.full_name", read_only=True, default=None)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    is_locked = serializers.SerializerMethodField()
    has_mfa = serializers.BooleanField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "unit",
            "unit_name",
            "manager",
            "manager_name",
            "job_title",
            "employment_status",
            "time_zone",
            "language",
            "has_mfa",
            "is_locked",
            "password",
        ]

    def get_is_locked(self, person: Person) -> bool:
        return identity_services.is_locked(person)

    def validate_time_zone(self, time_zone: str) -> str:
        if not identity_services.is_time_zone(time_zone):
            raise serializers.ValidationError(_("Unknown time zone; use a name such as Asia/Shanghai."))
        return time_zone

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        password = attrs.get("password")
        if password:
            # Checked here, against the person as they will be, so that a weak password
            # refuses the whole request before anything of it is saved.
            candidate = copy.copy(self.instance) if self.instance is not None else Person()
            for name in ("username", "full_name", "email"):
                if name in attrs:
                    setattr(candidate, name, attrs[name])
            try:
                check_password_rules(password, candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


class UnlockSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ResetMfaSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PersonFilter(ScopedFilterSet):
    within = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(), method="filter_within", label=gettext_lazy("Within unit")
    )

    class Meta:
        model = Person
        fields = ["unit", "manager", "employment_status"]

    def filter_within(self, queryset: models.QuerySet[Person], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    queryset = Person.objects.select_related("unit", "manager")
    export_columns = export_columns(PERSON_COLUMNS)
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    search_fields = ["full_name", "username", "email", "job_title"]
    ordering_fields = ["full_name", "username", "job_title", "employment_status", "unit__name"]

    @transaction.atomic
    def perform_create(self, serializer: Any) -> None:
        self.require_unit_in_scope(serializer.validated_data["unit"], Action.ADD)
        serializer.instance = org_services.create_person(by=self.request.user, **serializer.validated_data)

    @transaction.atomic
    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "unit" in data:
            self.require_unit_in_scope(data["unit"], Action.CHANGE)
        password = data.pop("password", None)
        person = org_services.update_person(serializer.instance, by=self.request.user, **data)
        if password:
            org_services.set_password(person, password, by=self.request.user)
        serializer.instance = person

    @extend_schema(request=UnlockSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Lift a login lockout."""
        return self._account_action(request, UnlockSerializer, identity_services.unlock)

    @extend_schema(request=ResetMfaSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"], url_path="reset-mfa", scope_action_name=Action.CHANGE)
    def reset_mfa(self, request: Request, pk: str | None = None) -> Response:
        """Clear a lost second factor; the person sets up a new one at their next login."""
        return self._account_action(request, ResetMfaSerializer, mfa_services.reset)

    def _account_action(self, request: Request, reason_serializer: Any, act: Any) -> Response:
        person = self.get_object()
        form = reason_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = act(person, by=request.user, reason=form.validated_data["reason"])
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    person = ScopedRelatedField(queryset=Person.objects.all())
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all())
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "person",
            "person_name",
            "role",
            "unit",
            "unit_name",
            "note",
            "granted_by",
            "created_at",
        ]
        read_only_fields = ["granted_by", "created_at"]


class RoleAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ExportMixin,
    ScopedViewSet,
):
    queryset = RoleAssignment.objects.select_related("person", "unit", "granted_by")
    export_columns = export_columns(ROLE_ASSIGNMENT_COLUMNS)
    serializer_class = RoleAssignmentSerializer
    filterset_fields = ["person", "role", "unit"]
    search_fields = ["person__full_name", "person__username"]
    ordering_fields = ["role", "person__full_name", "created_at"]

    def perform_create(self, serializer: Any) -> None:
        self.require_unit_in_scope(serializer.validated_data["unit"], Action.ADD)
        data = serializer.validated_data
        serializer.instance = org_services.assign_role(
            data["person"], data["role"], data["unit"], by=self.request.user, note=data.get("note", "")
        )

    def perform_destroy(self, instance: RoleAssignment) -> None:
        org_services.revoke_role(instance, by=self.request.user)


class ResponsibilitySerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(write_only=True, help_text="app_label.model, e.g. core.orgunit")
    content_type = serializers.SerializerMethodField()
    person = ScopedRelatedField(queryset=Person.objects.all(), allow_null=True, required=False)
    assignee_unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "object_type",
            "content_type",
            "object_id",
            "raci",
            "person",
            "assignee_unit",
            "unit",
            "note",
        ]
        read_only_fields = ["unit"]

    def get_content_type(self, responsibility: Responsibility) -> str:
        return f"{responsibility.content_type.app_label}.{responsibility.content_type.model}"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        label = attrs.pop("object_type", "")
        attrs["target"] = changeable_target(
            label, str(attrs.get("object_id", "")), self.context["request"].user
        )
        return attrs


class ResponsibilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    queryset = Responsibility.objects.select_related("content_type", "person", "assignee_unit", "unit")
    serializer_class = ResponsibilitySerializer
    filterset_fields = ["raci", "person", "assignee_unit", "object_id"]
    ordering_fields = ["raci", "created_at"]

    def person_may_add(self, person: Any) -> bool:
        # Whoever may change an object may say who is responsible for it; checked in validate().
        return True

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        target = data.pop("target")
        del data["object_id"]  # named by `target`, which validate() resolved within reach
        serializer.instance = org_services.assign_responsibility(target, by=self.request.user, **data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.get_serializer(serializer.instance).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Responsibility) -> None:
        org_services.remove_responsibility(instance, by=self.request.user)
