"""CSV/XLSX export for API lists: `GET /api/<list>/export/?file_format=csv|xlsx&<filters>`.

The export holds every row the list's filters, search and ordering select (not one
page), with the same columns as the web list, written by garrison.core.exports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import filters, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from garrison.core import exports

if TYPE_CHECKING:
    _ViewSetBase = viewsets.GenericViewSet[Any]
else:
    _ViewSetBase = object


class _FileRenderer(renderers.BaseRenderer):
    """Lets clients ask for the file's type in Accept; errors still render as JSON text."""

    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, default=str).encode("utf-8")


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None  # type: ignore[assignment]


class ExportRequestSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=exports.FORMATS, default="csv", label=_("File format"))


class ExportMixin(_ViewSetBase):
    """Adds the `export` action to a scoped viewset; declare `export_columns`."""

    export_columns: Sequence[exports.Column] = ()
    export_name: str = ""

    @extend_schema(
        summary="Export every filtered row as CSV or XLSX",
        parameters=[
            OpenApiParameter(
                "file_format", OpenApiTypes.STR, enum=list(exports.FORMATS), default="csv", required=False
            )
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="Invalid format or filter"),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, CsvRenderer, XlsxRenderer],
        pagination_class=None,
    )
    def export(self, request: Request) -> HttpResponseBase:
        choice = ExportRequestSerializer(data=request.query_params)
        choice.is_valid(raise_exception=True)
        queryset = self.filter_queryset(self.get_queryset())
        model = queryset.model
        return exports.export_response(
            queryset,
            self.export_columns,
            choice.validated_data["file_format"],
            by=request.user,
            filters=exports.filters_from(request.query_params, keep=self.export_parameters(queryset)),
            name=self.export_name or str(model._meta.model_name),
        )

    def export_parameters(self, queryset: Any) -> set[str]:
        """The query parameters the list's filter backends read: only these shape an export."""
        names: set[str] = set()
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                names |= exports.filterset_parameters(backend.get_filterset(self.request, queryset, self))
            elif isinstance(backend, filters.SearchFilter):
                names.add(backend.search_param)
            elif isinstance(backend, filters.OrderingFilter):
                names.add(backend.ordering_param)
        return names
