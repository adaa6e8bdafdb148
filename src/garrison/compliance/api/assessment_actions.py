"""Assessment reports and inference through the API: the actions the assessment viewset
(api/assessments.py) takes on from this mixin.

- `GET  /api/compliance/assessments/{id}/soa/`: the Statement of Applicability (XLSX, ISO/IEC 27001 only);
- `GET  /api/compliance/assessments/{id}/oscal/`: the OSCAL assessment-results document (JSON);
- `POST /api/compliance/assessments/{id}/infer/` `{"source_assessment": id}`: propose results from an
  assessment of a mapped framework.

The reports need view on the assessment, inference needs change on it and view on the source.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Any

from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.compliance.models import Assessment
from garrison.compliance.reports import oscal_results, soa
from garrison.compliance.services import inference
from garrison.core.api.exports import XlsxRenderer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.exports import XLSX_CONTENT_TYPE
from garrison.core.roles import Action

if TYPE_CHECKING:
    _ViewSetBase = viewsets.GenericViewSet[Any]
else:
    _ViewSetBase = object

OSCAL_CONTENT_TYPE = "application/json"


class InferenceRequestSerializer(serializers.Serializer):
    source_assessment = ScopedRelatedField(
        queryset=Assessment.objects.select_related("framework"),
        label=_("Source assessment"),
        help_text=_("An assessment of a framework mapped to this one, whose results are carried over."),
    )


class InferenceSummarySerializer(serializers.Serializer):
    proposed = serializers.IntegerField(
        help_text=_("Results proposed, new or replacing an earlier proposal.")
    )
    skipped_assessed = serializers.IntegerField(help_text=_("Results left alone: a person assessed them."))
    unchanged = serializers.IntegerField(help_text=_("Proposals already in place."))


class AssessmentReportActions(_ViewSetBase):
    """Mixed into the assessment viewset: Statement of Applicability, OSCAL
    assessment-results export and mapping inference."""

    @extend_schema(
        summary="Statement of Applicability (XLSX) of an ISO/IEC 27001 assessment",
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="The assessment's framework is not ISO/IEC 27001"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        scope_action_name=Action.VIEW,
        renderer_classes=[renderers.JSONRenderer, XlsxRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def soa(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        assessment = self.get_object()
        target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        soa.write_soa(assessment, target, by=request.user)
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=soa.soa_filename(assessment), content_type=XLSX_CONTENT_TYPE
        )

    @extend_schema(
        summary="The assessment as an OSCAL assessment-results document (JSON)",
        responses={(200, OSCAL_CONTENT_TYPE): OpenApiTypes.OBJECT},
    )
    @action(
        detail=True, methods=["get"], scope_action_name=Action.VIEW, pagination_class=None, filter_backends=[]
    )
    def oscal(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        assessment = self.get_object()
        response = HttpResponse(
            oscal_results.assessment_results_json(assessment, by=request.user),
            content_type=OSCAL_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{oscal_results.oscal_filename(assessment)}"'
        return response

    @extend_schema(
        summary="Propose results from an assessment of a mapped framework",
        request=InferenceRequestSerializer,
        responses={
            200: InferenceSummarySerializer,
            400: OpenApiResponse(description="No mapping, or bad source"),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        scope_action_name=Action.CHANGE,
        pagination_class=None,
        filter_backends=[],
    )
    def infer(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        choice = InferenceRequestSerializer(data=request.data, context=self.get_serializer_context())
        choice.is_valid(raise_exception=True)
        summary = inference.infer_results(target, choice.validated_data["source_assessment"], by=request.user)
        return Response(InferenceSummarySerializer(summary).data)
