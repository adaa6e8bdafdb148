"""The API side of the one authorization mechanism (garrison.core.scoping)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from garrison.core.models import ApiToken, OrgUnit
from garrison.core.models.identity import TokenScope
from garrison.core.roles import Action
from garrison.core.scoping import has_grant, restrict

ACTION_BY_VIEWSET_ACTION = {
    "list": Action.VIEW,
    "retrieve": Action.VIEW,
    "export": Action.VIEW,
    "history": Action.VIEW,
    "create": Action.ADD,
    "update": Action.CHANGE,
    "partial_update": Action.CHANGE,
    "destroy": Action.DELETE,
}


def is_database_id(text: str) -> bool:
    """ASCII digits that fit a 64-bit key ("²" or a 30-digit number would make the query fail)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def changeable_target(label: str, object_id: str, person: Any) -> models.Model:
    """The object named by "app_label.model" and id that `person` may change.

    Pointing a record at an object (a responsibility, an attachment) changes that
    object, so it needs the same reach as editing it; anything else reads as missing.
    """
    app_label, _dot, model_name = label.lower().partition(".")
    try:
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
    except ContentType.DoesNotExist:
        raise serializers.ValidationError({"object_type": [_("Unknown object type.")]}) from None
    model = content_type.model_class()
    if model is None or not hasattr(model, "scope"):
        raise serializers.ValidationError({"object_type": [_("Unknown object type.")]})
    target = (
        restrict(model._default_manager.all(), person, Action.CHANGE).filter(pk=object_id).first()
        if is_database_id(object_id)
        else None
    )
    if target is None:
        raise serializers.ValidationError({"object_id": [_("Object not found.")]})
    return target


class TokenAccessPermission(permissions.BasePermission):
    """A read-only token may only read."""

    # Lazy: a class attribute is built once, at import, before any request picks a language.
    message = gettext_lazy("This API token is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.access == TokenScope.READ:
            return request.method in permissions.SAFE_METHODS
        return True


class ScopedPermission(permissions.BasePermission):
    """Collection-level check: creating needs the ADD grant somewhere. Object-level
    checks happen by scoping the queryset, so an object out of reach is a 404."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.scope_action() == Action.ADD:
            return view.person_may_add(request.user)
        return True


if TYPE_CHECKING:
    # Lets mypy check the mixin against the viewset it is always combined with.
    _ViewSetBase = viewsets.GenericViewSet[Any]
else:
    _ViewSetBase = object


class ScopedViewSetMixin(_ViewSetBase):
    """Every queryset is cut down to what the person may do with the current action."""

    queryset: models.QuerySet[Any]
    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission, ScopedPermission]
    # Custom @action methods name their scope action with `scope_action=` in the decorator kwargs.
    scope_action_name: str | None = None

    def scope_action(self) -> Action:
        if self.scope_action_name:
            return Action(self.scope_action_name)
        return ACTION_BY_VIEWSET_ACTION.get(self.action or "", Action.VIEW)

    def person_may_add(self, person: Any) -> bool:
        return has_grant(person, self.queryset.model.scope.domain, Action.ADD)

    def get_queryset(self) -> models.QuerySet[Any]:
        return restrict(self.queryset.all(), self.request.user, self.scope_action())

    def require_unit_in_scope(self, unit: OrgUnit | None, action: Action, field: str = "unit") -> None:
        """Refuse a write that would put an object under a unit the person does not manage."""
        if unit is None:
            return
        domain = self.queryset.model.scope.domain
        if not has_grant(self.request.user, domain, action, unit.path):
            raise serializers.ValidationError({field: [_("Unit not found.")]})


class ScopedViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass
