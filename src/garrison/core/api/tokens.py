"""API over personal API tokens.

Everyone lists and revokes their own tokens; administrators (the access-control
grant) also those of people in their units. A token is always made for the person
logged in, and only from a logged-in session: a token cannot mint further tokens,
so a leaked one cannot outlive its own expiry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core.api.base import ScopedViewSet
from garrison.core.models import ApiToken, Person
from garrison.core.models.identity import TokenScope
from garrison.core.roles import Action
from garrison.core.services import tokens as token_services


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)
    days = serializers.IntegerField(
        write_only=True,
        min_value=1,
        default=token_services.default_days,
        help_text="Lifetime in days, from 1 to GARRISON_API_TOKEN_MAX_DAYS; "
        "90 by default, or that maximum if it is shorter.",
    )
    access = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "person",
            "person_name",
            "name",
            "prefix",
            "access",
            "days",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_usable",
        ]
        read_only_fields = ["person", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def validate_days(self, days: int) -> int:
        if days > settings.API_TOKEN_MAX_DAYS:
            raise serializers.ValidationError(
                _("A token lasts from 1 to %(maximum)d days.") % {"maximum": settings.API_TOKEN_MAX_DAYS}
            )
        return days


class NewApiTokenSerializer(ApiTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="The token itself; shown this once only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]


class RevokeSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    queryset = ApiToken.objects.select_related("person")
    serializer_class = ApiTokenSerializer
    filterset_fields = ["person", "access"]
    search_fields = ["name", "prefix", "person__full_name", "person__username"]
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]

    def person_may_add(self, person: Any) -> bool:
        # Anyone may make a token for themselves; it never reaches further than they do.
        return True

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if isinstance(request.auth, ApiToken):
            raise exceptions.PermissionDenied(
                _("API tokens are made from a logged-in session, not with a token.")
            )
        person = request.user
        if not isinstance(person, Person):
            raise exceptions.NotAuthenticated()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = token_services.create_token(person, by=person, **serializer.validated_data)
        data = NewApiTokenSerializer(token, context=self.get_serializer_context()).data
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevokeSerializer, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoke the token for good; it stays listed with the time it was revoked."""
        payload = RevokeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token = token_services.revoke_token(
            self.get_object(), by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self.get_serializer(token).data)

    def perform_destroy(self, instance: ApiToken) -> None:
        # DELETE revokes: the token's record stays, as the audit trail refers to it.
        token_services.revoke_token(instance, by=self.request.user)
