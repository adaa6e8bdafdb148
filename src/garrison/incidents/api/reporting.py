"""API of reporting: obligations (read, waive, add a supplementary one), submissions
(multipart, with the file sent), reports (drafted from the case, with their PDF), the
communications log, the organisation's reporting profile (a singleton) and its own rules.

Thin: serializers validate shapes, the reporting services write, scoping decides what
exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, permissions, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter, Route

from garrison.core.api.base import ScopedViewSet, TokenAccessPermission
from garrison.core.api.files import AnyMediaRenderer, AttachmentSerializer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.incidents.filtersets_reporting import ObligationFilter
from garrison.incidents.models import (
    Communication,
    CustomReportingRule,
    Incident,
    IncidentReport,
    ReportingObligation,
    ReportingProfile,
    ReportKind,
    Submission,
)
from garrison.incidents.reports_pdf import report_pdf_response
from garrison.incidents.services import communications as communication_services
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.services import profile as profile_services
from garrison.incidents.services import reports as report_services
from garrison.incidents.services import rules as rule_services
from garrison.incidents.services import submissions as submission_services

# Obligations -----------------------------------------------------------------------------------


class ObligationSerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = ReportingObligation
        fields = [
            "id",
            "incident",
            "incident_reference",
            "code",
            "kind",
            "recipient",
            "content",
            "basis",
            "due_at",
            "without_delay",
            "status",
            "grade",
            "satisfied_at",
            "status_reason",
            "overdue_notified_at",
            "escalation_level",
            "is_overdue",
            "on_time",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obligation: ReportingObligation) -> bool:
        """Pending and past its due time."""
        from django.utils import timezone

        return obligation_services.is_overdue(obligation, timezone.now())

    def get_on_time(self, obligation: ReportingObligation) -> bool | None:
        """For a submitted obligation: sent by its due time (null: not submitted or no deadline)."""
        return obligation_services.was_on_time(obligation)


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SupplementarySerializer(serializers.Serializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    recipient = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    content = serializers.CharField(required=False, allow_blank=True, default="")


class ObligationViewSet(HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The reporting obligations of the cases: who must be told what, by when."""

    queryset = ReportingObligation.objects.select_related("incident")
    serializer_class = ObligationSerializer
    filterset_class = ObligationFilter
    search_fields = ["recipient", "incident__reference", "incident__title"]
    ordering_fields = ["due_at", "status", "kind", "created_at"]
    ordering = ["due_at", "id"]

    @extend_schema(request=WaiveSerializer, responses=ObligationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def waive(self, request: Request, pk: str | None = None) -> Response:
        """Record that a pending obligation is not to be met, and why (the reason is required)."""
        obligation = self.get_object()
        form = WaiveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        obligation = obligation_services.waive_obligation(
            obligation, by=request.user, reason=form.validated_data["reason"]
        )
        return Response(self.get_serializer(obligation).data)

    @extend_schema(request=SupplementarySerializer, responses={201: ObligationSerializer})
    @action(detail=False, methods=["post"], scope_action_name=Action.CHANGE)
    def supplementary(self, request: Request) -> Response:
        """Add a supplementary report owed because material new facts emerged."""
        form = SupplementarySerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        obligation = obligation_services.add_supplementary_obligation(
            data["incident"],
            by=request.user,
            recipient=data["recipient"],
            due_at=data["due_at"],
            content=data["content"],
        )
        return Response(self.get_serializer(obligation).data, status=status.HTTP_201_CREATED)


# Submissions -----------------------------------------------------------------------------------


class SubmissionSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    obligation = ScopedRelatedField(
        queryset=ReportingObligation.objects.all(), allow_null=True, required=False
    )
    report = ScopedRelatedField(queryset=IncidentReport.objects.all(), allow_null=True, required=False)
    # Checked by the service, which says what is missing in the words of the rule.
    recipient = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    upload = serializers.FileField(
        write_only=True, required=False, allow_null=True, help_text="The file sent (multipart upload)."
    )
    file = AttachmentSerializer(read_only=True, allow_null=True)
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "incident",
            "obligation",
            "report",
            "recipient",
            "channel",
            "sent_at",
            "receipt",
            "upload",
            "file",
            "notes",
            "on_time",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]

    def get_on_time(self, submission: Submission) -> bool | None:
        """Sent by the obligation's due time (null without an obligation or a deadline)."""
        if submission.obligation is None:
            return None
        return submission_services.on_time(submission.obligation, submission.sent_at)


class SubmissionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Reports sent: to whom, how, when, the receipt and the file — the proof of reporting on time."""

    queryset = Submission.objects.select_related(
        "obligation", "file__stored_file", "file__object_type", "file__uploaded_by"
    )
    serializer_class = SubmissionSerializer
    filterset_fields = ["incident", "obligation", "channel"]
    ordering_fields = ["sent_at", "recorded_at"]
    ordering = ["-sent_at", "-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = submission_services.record_submission(
            data["incident"],
            by=self.request.user,
            recipient=data.get("recipient", ""),
            channel=data["channel"],
            sent_at=data.get("sent_at"),
            obligation=data.get("obligation"),
            receipt=data.get("receipt", ""),
            upload=data.get("upload"),
            report=data.get("report"),
            notes=data.get("notes", ""),
        )


# Reports ---------------------------------------------------------------------------------------


class IncidentReportSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    reporting_unit = serializers.CharField(required=False, allow_blank=True)
    occurrence = serializers.CharField(required=False, allow_blank=True)
    reason = reason_field()

    class Meta:
        model = IncidentReport
        fields = [
            "id",
            "incident",
            "kind",
            "is_partial",
            *report_services.TEXT_FIELDS,
            "created_by",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["is_partial", "created_by", "created_at", "updated_at"]

    def validate_incident(self, incident: Incident) -> Incident:
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError(_("A report stays with its case."))
        return incident


class IncidentReportViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Reports drafted from a case with the contents the reporting measures require.
    Creating one drafts it from the case; the sections given override the draft."""

    queryset = IncidentReport.objects.select_related("incident")
    serializer_class = IncidentReportSerializer
    filterset_fields = ["incident", "kind", "is_partial"]
    ordering_fields = ["created_at", "kind"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("reason", "")
        incident = data.pop("incident")
        kind = data.pop("kind", ReportKind.INITIAL)
        report = report_services.draft_report(incident, kind=kind, by=self.request.user)
        if data:
            report = report_services.update_report(report, by=self.request.user, **data)
        serializer.instance = report

    parent_field = "incident"
    update_service = staticmethod(report_services.update_report)
    delete_service = staticmethod(report_services.delete_report)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The report as a PDF document."""
        return report_pdf_response(self.get_object(), by=request.user)


# Communications --------------------------------------------------------------------------------


class CommunicationSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())

    class Meta:
        model = Communication
        fields = [
            "id",
            "incident",
            "audience",
            "direction",
            "party",
            "channel",
            "occurred_at",
            "summary",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class CommunicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """The communications log of the cases: internal, regulators, customers, suppliers."""

    queryset = Communication.objects.all()
    serializer_class = CommunicationSerializer
    filterset_fields = ["incident", "audience", "direction", "channel"]
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = communication_services.log_communication(
            data.pop("incident"), by=self.request.user, **data
        )


# The profile (a singleton) ---------------------------------------------------------------------


class ReportingProfileSerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = ReportingProfile
        fields = [
            "operator_kind",
            *sorted(profile_services.PROFILE_FIELDS - {"operator_kind"}),
            "updated_at",
            "updated_by",
            "reason",
        ]
        read_only_fields = ["updated_at", "updated_by"]


class ReportingProfileViewSet(viewsets.GenericViewSet):
    """The organisation's operator profile and the bodies it reports to: read by whoever
    works on incidents, changed by Administrators (a change recomputes open cases)."""

    queryset = ReportingProfile.objects.all()
    serializer_class = ReportingProfileSerializer
    permission_classes = [permissions.IsAuthenticated, TokenAccessPermission]
    pagination_class = None
    filter_backends: list[Any] = []

    def _profile(self) -> ReportingProfile:
        if not has_grant(self.request.user, Domain.INCIDENTS, Action.VIEW):
            raise Http404
        return profile_services.get_profile()

    def show(self, request: Request) -> Response:
        """The reporting profile."""
        return Response(self.get_serializer(self._profile()).data)

    @extend_schema(request=ReportingProfileSerializer, responses=ReportingProfileSerializer)
    def change(self, request: Request) -> Response:
        """Change the reporting profile (Administrators)."""
        profile = self._profile()
        form = self.get_serializer(profile, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        reason = data.pop("reason", "")
        profile = profile_services.update_profile(by=request.user, reason=reason, **data)
        return Response(self.get_serializer(profile).data)


SINGLETON_ROUTE = Route(
    url=r"^{prefix}{trailing_slash}$",
    mapping={"get": "show", "put": "change"},
    name="{basename}-singleton",
    detail=False,
    initkwargs={},
)


# The organisation's own rules ------------------------------------------------------------------


class CustomReportingRuleSerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = CustomReportingRule
        fields = ["id", *sorted(rule_services.RULE_FIELDS), "created_at", "updated_at", "reason"]
        read_only_fields = ["created_at", "updated_at"]


class CustomReportingRuleViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Reporting obligations the organisation adds itself (Administrators keep them)."""

    queryset = CustomReportingRule.objects.all()
    serializer_class = CustomReportingRuleSerializer
    filterset_fields = ["is_active", "minimum_grade"]
    search_fields = ["name", "recipient"]
    ordering_fields = ["name", "deadline_hours"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Any]:
        if not has_grant(self.request.user, Domain.INCIDENTS, Action.VIEW) and not rule_services.may_add_rule(
            self.request.user
        ):
            return self.queryset.none()
        return super().get_queryset()

    def person_may_add(self, person: Any) -> bool:
        return rule_services.may_add_rule(person)

    create_service = staticmethod(rule_services.create_rule)
    update_service = staticmethod(rule_services.update_rule)
    delete_service = staticmethod(rule_services.delete_rule)


def register_routes(router: BaseRouter) -> None:
    # The profile is one object at its collection's address: GET reads it, PUT changes it.
    # The route only applies to viewsets with `show`/`change` methods (this one).
    if SINGLETON_ROUTE not in router.routes:  # type: ignore[attr-defined]
        router.routes = [*router.routes, SINGLETON_ROUTE]  # type: ignore[attr-defined]
    router.register("obligations", ObligationViewSet, basename="obligation")
    router.register("submissions", SubmissionViewSet, basename="submission")
    router.register("reports", IncidentReportViewSet, basename="report")
    router.register("communications", CommunicationViewSet, basename="communication")
    router.register("reporting-profile", ReportingProfileViewSet, basename="reporting-profile")
    router.register("reporting-rules", CustomReportingRuleViewSet, basename="reporting-rule")
