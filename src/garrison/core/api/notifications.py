"""API for the person's own notifications and notification preferences."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core import notification_kinds
from garrison.core.api.base import ScopedViewSet
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import Notification, NotificationPreference, Person
from garrison.core.roles import Action
from garrison.core.services import notifications as notification_services


def requesting_person(request: Request) -> Person:
    # IsAuthenticated has run: the user is a Person.
    assert isinstance(request.user, Person)
    return request.user


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "object_type",
            "object_id",
            "created_at",
            "read_at",
            "emailed_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(ScopedFilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread"))

    class Meta:
        model = Notification
        fields = ["kind"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The requesting person's notifications; anyone else's answer 404."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "read_at"]

    def get_queryset(self) -> models.QuerySet[Any]:
        # Scoping lets organisation-wide role holders see organisation-wide objects; an
        # inbox stays private whatever the roles, hence the recipient filter.
        return super().get_queryset().filter(recipient=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one notification read."""
        notification = notification_services.mark_read(self.get_object(), by=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all", scope_action_name=Action.CHANGE)
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification of the requesting person read."""
        return Response({"marked": notification_services.mark_all_read(requesting_person(request))})


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[])
    kind_label = serializers.SerializerMethodField()

    class Meta:
        model = NotificationPreference
        fields = ["id", "kind", "kind_label", "in_app", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Kinds are registered by apps as they load, so the choices are read late.
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, serializers.ChoiceField)
        kind_field.choices = notification_kinds.choices()
        if self.instance is not None and not isinstance(self.instance, list | models.QuerySet):
            self.fields["kind"].read_only = True

    def get_kind_label(self, preference: NotificationPreference) -> str:
        if notification_kinds.is_registered(preference.kind):
            return str(notification_kinds.get(preference.kind).label)
        return preference.kind


class NotificationPreferenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """The requesting person's channel choices per kind. Creating one for a kind that
    already has a choice updates it."""

    queryset = NotificationPreference.objects.all()
    serializer_class = NotificationPreferenceSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["kind"]

    def person_may_add(self, person: Any) -> bool:
        return True  # everyone chooses their own channels

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(person=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = requesting_person(request)
        kind = notification_kinds.get(data["kind"])
        existed = NotificationPreference.objects.filter(person=person, kind=kind.code).exists()
        preference = notification_services.set_preference(
            person,
            kind.code,
            in_app=data.get("in_app", kind.in_app),
            email=data.get("email", kind.email),
            by=request.user,
        )
        return Response(
            self.get_serializer(preference).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    def perform_update(self, serializer: Any) -> None:
        preference = serializer.instance
        data = serializer.validated_data
        serializer.instance = notification_services.set_preference(
            requesting_person(self.request),
            preference.kind,
            in_app=data.get("in_app", preference.in_app),
            email=data.get("email", preference.email),
            by=self.request.user,
        )
