"""Pieces every domain API shares: the `history` action of an audited object, the
optional `reason` a write may carry into the audit trail, and writes through services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core.api.audit import AuditEventSerializer
from garrison.core.audit import history_of

REASON_HELP = "Kept in the audit trail."


def reason_field(**options: Any) -> serializers.CharField:
    """The optional, write-only reason for a change, as the audit trail keeps it."""
    settings: dict[str, Any] = {
        "write_only": True,
        "required": False,
        "allow_blank": True,
        "max_length": 2000,
        "help_text": REASON_HELP,
    }
    settings.update(options)
    return serializers.CharField(**settings)


class DecisionSerializer(serializers.Serializer):
    """The body of a decision on a four-eyes request (approve, reject, withdraw)."""

    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required to reject."
    )


class DecisionMixin:
    """The approve / reject / withdraw actions of a request someone else decides
    (garrison.core.workflow.four_eyes_transitions) share one body: read the comment, let the
    service decide, answer with the request as it now is."""

    def decide(self, request: Request, decide: Any) -> Response:
        viewset: Any = self
        decided = viewset.get_object()
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decide(decided, by=request.user, comment=form.validated_data["comment"])
        return Response(viewset.get_serializer(viewset.get_queryset().get(pk=decided.pk)).data)


class HistoryMixin:
    """`GET …/{id}/history/`: the object's recorded changes, newest first, paged."""

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The object's recorded changes, newest first."""
        viewset: Any = self
        page = viewset.paginate_queryset(history_of(viewset.get_object()))
        return viewset.get_paginated_response(AuditEventSerializer(page, many=True).data)


class ServiceWritesMixin:
    """Create, update and delete through a domain's services rather than the serializer.

    The validated data, less the optional `reason`, reaches the service as keywords with
    `by` (the requesting person) and `reason`. A record that belongs to a parent (a case's
    task, a playbook's step) names that field in `parent_field`: the parent is passed to
    `create_service` first, positionally, and dropped on update, since a record never
    moves to another parent. Set the services with `staticmethod(...)`; a viewset that
    cannot delete leaves `delete_service` unset and its route out.
    """

    create_service: Any = None
    update_service: Any = None
    delete_service: Any = None
    parent_field: str | None = None

    def _service_data(self, serializer: Any) -> tuple[dict[str, Any], str]:
        data = dict(serializer.validated_data)
        return data, data.pop("reason", "")

    def perform_create(self, serializer: Any) -> None:
        data, reason = self._service_data(serializer)
        parent = (data.pop(self.parent_field),) if self.parent_field else ()
        by = self.request.user  # type: ignore[attr-defined]
        serializer.instance = self.create_service(*parent, by=by, reason=reason, **data)

    def perform_update(self, serializer: Any) -> None:
        data, reason = self._service_data(serializer)
        if self.parent_field:
            data.pop(self.parent_field, None)
        by = self.request.user  # type: ignore[attr-defined]
        serializer.instance = self.update_service(serializer.instance, by=by, reason=reason, **data)

    def perform_destroy(self, instance: Any) -> None:
        self.delete_service(instance, by=self.request.user)  # type: ignore[attr-defined]
