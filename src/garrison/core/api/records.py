"""Pieces every domain API shares: the `history` action of an audited object and the
optional `reason` a write may carry into the audit trail."""

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


class HistoryMixin:
    """`GET …/{id}/history/`: the object's recorded changes, newest first, paged."""

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The object's recorded changes, newest first."""
        viewset: Any = self
        page = viewset.paginate_queryset(history_of(viewset.get_object()))
        return viewset.get_paginated_response(AuditEventSerializer(page, many=True).data)
