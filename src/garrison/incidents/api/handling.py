"""API of case handling: timeline events, tasks (with `complete` and `cancel`), playbooks
(steps nested, written through `playbook-steps`, with `apply`), evidence (multipart
upload, `download`, `verify`), emergency contacts and the escalation chain.

Thin: serializers check shapes, garrison.incidents.services write, scoping decides what
exists for the person (out of reach is a 404; library changes by others are a 403).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.assets.models import Asset
from garrison.core.api.base import ScopedViewSet
from garrison.core.api.files import AnyMediaRenderer
from garrison.core.api.org import ScopedRelatedField
from garrison.core.api.records import HistoryMixin, ServiceWritesMixin, reason_field
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.services import files as file_services
from garrison.incidents.models import (
    EmergencyContact,
    EscalationStep,
    Incident,
    IncidentEvidence,
    IncidentTask,
    Indicator,
    Playbook,
    PlaybookStep,
    TimelineEvent,
)
from garrison.incidents.services import contacts as contact_services
from garrison.incidents.services import evidence as evidence_services
from garrison.incidents.services import playbooks as playbook_services
from garrison.incidents.services import tasks as task_services
from garrison.incidents.services import timeline as timeline_services

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


def _split(serializer: Any) -> tuple[dict[str, Any], str]:
    data = dict(serializer.validated_data)
    return data, data.pop("reason", "")


class CaseRecordViewSet(ScopedViewSet):
    """Records of a case: whoever may change the case adds, changes and removes them
    (the service checks the case), so adding needs no grant of its own here."""

    def person_may_add(self, person: Any) -> bool:
        return True

    def scope_action(self) -> Action:
        if self.action == "destroy":
            return Action.CHANGE
        return super().scope_action()


# Timeline --------------------------------------------------------------------------------------


class TimelineEventSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    assets = ScopedRelatedField(queryset=Asset.objects.all(), many=True, required=False)
    indicators = ScopedRelatedField(queryset=Indicator.objects.all(), many=True, required=False)
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", read_only=True, default=None)
    reason = reason_field()

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "incident",
            "occurred_at",
            "kind",
            "description",
            "assets",
            "indicators",
            "recorded_by",
            "recorded_by_name",
            "created_at",
            "reason",
        ]
        read_only_fields = ["recorded_by", "created_at"]

    def validate_incident(self, incident: Incident) -> Incident:
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError(_("An event stays with its case."))
        return incident


class TimelineEventViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    CaseRecordViewSet,
):
    """What happened in each case and when (aware times), linked to assets and indicators."""

    queryset = TimelineEvent.objects.select_related("incident", "recorded_by").prefetch_related(
        "assets", "indicators"
    )
    serializer_class = TimelineEventSerializer
    filterset_fields = ["incident", "kind"]
    search_fields = ["description"]
    ordering_fields = ["occurred_at", "created_at"]
    ordering = ["occurred_at", "id"]

    parent_field = "incident"
    create_service = staticmethod(timeline_services.add_event)
    update_service = staticmethod(timeline_services.update_event)
    delete_service = staticmethod(timeline_services.delete_event)


# Tasks -----------------------------------------------------------------------------------------


class IncidentTaskSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    owner = ScopedRelatedField(queryset=Person.objects.all())
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    playbook_step: serializers.PrimaryKeyRelatedField[PlaybookStep] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    reason = reason_field()

    class Meta:
        model = IncidentTask
        fields = [
            "id",
            "incident",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_at",
            "status",
            "completed_at",
            "playbook_step",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["completed_at", "created_at", "updated_at"]

    def validate_incident(self, incident: Incident) -> Incident:
        if self.instance is not None and incident.pk != self.instance.incident_id:
            raise serializers.ValidationError(_("A task stays with its case."))
        return incident


class TaskClosingSerializer(serializers.Serializer):
    reason = reason_field()


class TaskViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    CaseRecordViewSet,
):
    """Tasks of the cases: owner, due time, status; `complete` and `cancel` close them."""

    queryset = IncidentTask.objects.select_related("incident", "owner")
    serializer_class = IncidentTaskSerializer
    filterset_fields = ["incident", "status", "owner"]
    search_fields = ["title", "description"]
    ordering_fields = ["due_at", "status", "created_at"]
    ordering = ["due_at", "id"]

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        if data.pop("status", None) not in (None, "open"):
            raise serializers.ValidationError({"status": [_("A new task is open.")]})
        serializer.instance = task_services.create_task(
            data.pop("incident"), by=self.request.user, reason=reason, **data
        )

    parent_field = "incident"
    update_service = staticmethod(task_services.update_task)

    @extend_schema(request=TaskClosingSerializer, responses=IncidentTaskSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done now."""
        form = TaskClosingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = task_services.complete_task(
            self.get_object(), by=request.user, reason=form.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(task).data)

    @extend_schema(request=TaskClosingSerializer, responses=IncidentTaskSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Drop a task no longer needed."""
        form = TaskClosingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = task_services.cancel_task(
            self.get_object(), by=request.user, reason=form.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(task).data)


# Playbooks -------------------------------------------------------------------------------------


class PlaybookStepSerializer(serializers.ModelSerializer):
    playbook = serializers.PrimaryKeyRelatedField(queryset=Playbook.objects.all())
    order = serializers.IntegerField(min_value=0, required=False)
    reason = reason_field()

    class Meta:
        model = PlaybookStep
        fields = ["id", "playbook", "order", "title", "title_zh", "description", "due_after_hours", "reason"]

    def validate_playbook(self, playbook: Playbook) -> Playbook:
        if self.instance is not None and playbook.pk != self.instance.playbook_id:
            raise serializers.ValidationError(_("A step stays with its playbook."))
        return playbook


class PlaybookStepSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaybookStep
        fields = ["id", "order", "title", "title_zh", "description", "due_after_hours"]
        read_only_fields = fields


class PlaybookSerializer(serializers.ModelSerializer):
    steps = PlaybookStepSummarySerializer(many=True, read_only=True)
    reason = reason_field()

    class Meta:
        model = Playbook
        fields = [
            "id",
            "name",
            "name_zh",
            "description",
            "category",
            "is_active",
            "steps",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ApplyPlaybookSerializer(serializers.Serializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all(), help_text="The case to apply it to.")


class LibraryViewSet(ScopedViewSet):
    """Library data: adding needs incident rights over the whole organisation."""

    def person_may_add(self, person: Any) -> bool:
        return playbook_services.may_add_playbooks(person)


class PlaybookViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    LibraryViewSet,
):
    """Response templates per category; `apply` gives a case's handler one task per step."""

    queryset = Playbook.objects.select_related("category").prefetch_related("steps")
    serializer_class = PlaybookSerializer
    filterset_fields = ["category", "is_active"]
    search_fields = ["name", "name_zh", "description"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    create_service = staticmethod(playbook_services.create_playbook)
    update_service = staticmethod(playbook_services.update_playbook)
    delete_service = staticmethod(playbook_services.delete_playbook)

    @extend_schema(request=ApplyPlaybookSerializer, responses={201: IncidentTaskSerializer(many=True)})
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def apply(self, request: Request, pk: str | None = None) -> Response:
        """Apply the playbook to a case the person may change: one task per step."""
        playbook = self.get_object()
        form = ApplyPlaybookSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        tasks = playbook_services.apply_playbook(form.validated_data["incident"], playbook, by=request.user)
        data = IncidentTaskSerializer(tasks, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class PlaybookStepViewSet(
    ServiceWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    LibraryViewSet,
):
    """The steps of the playbooks, in order."""

    queryset = PlaybookStep.objects.select_related("playbook")
    serializer_class = PlaybookStepSerializer
    filterset_fields = ["playbook"]
    ordering_fields = ["order"]
    ordering = ["playbook", "order", "id"]

    parent_field = "playbook"
    create_service = staticmethod(playbook_services.add_step)
    update_service = staticmethod(playbook_services.update_step)
    delete_service = staticmethod(playbook_services.delete_step)


# Evidence --------------------------------------------------------------------------------------


class IncidentEvidenceSerializer(serializers.ModelSerializer):
    incident = ScopedRelatedField(queryset=Incident.objects.all())
    file = serializers.FileField(write_only=True, help_text="The file (multipart upload).")
    filename = serializers.CharField(source="attachment.filename", read_only=True)
    sha256 = serializers.CharField(source="attachment.stored_file.sha256", read_only=True)
    size = serializers.IntegerField(source="attachment.stored_file.size", read_only=True)
    collected_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    collected_by_name = serializers.CharField(source="collected_by.full_name", read_only=True)
    reason = reason_field()

    class Meta:
        model = IncidentEvidence
        fields = [
            "id",
            "incident",
            "file",
            "filename",
            "sha256",
            "size",
            "description",
            "source",
            "collected_at",
            "collected_by",
            "collected_by_name",
            "created_at",
            "reason",
        ]
        read_only_fields = ["collected_by", "created_at"]


class EvidenceVerificationSerializer(serializers.Serializer):
    expected = serializers.CharField(help_text="The SHA-256 recorded when the file was stored.")
    actual = serializers.CharField(
        allow_null=True, help_text="The SHA-256 now; null when the file is missing."
    )
    is_intact = serializers.BooleanField()


class EvidenceViewSet(
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    CaseRecordViewSet,
):
    """Files kept as evidence of the cases, with SHA-256, size and chain of custody."""

    queryset = IncidentEvidence.objects.select_related("incident", "attachment__stored_file", "collected_by")
    serializer_class = IncidentEvidenceSerializer
    parser_classes = PARSERS
    filterset_fields = ["incident"]
    search_fields = ["description", "source", "attachment__filename"]
    ordering_fields = ["collected_at", "created_at"]
    ordering = ["collected_at", "id"]

    def perform_create(self, serializer: Any) -> None:
        data, reason = _split(serializer)
        upload = data.pop("file")
        serializer.instance = evidence_services.add_evidence(
            data.pop("incident"),
            by=self.request.user,
            upload=upload,
            filename=getattr(upload, "name", "") or "",
            content_type=getattr(upload, "content_type", "") or "",
            reason=reason,
            **data,
        )

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, AnyMediaRenderer])
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        """The stored file, with its SHA-256 in the X-Content-SHA256 header."""
        attachment = self.get_object().attachment
        try:
            content = file_services.open_file(attachment)
        except FileNotFoundError:
            return Response(
                {"detail": _("The stored file is missing from the evidence store.")},
                status=status.HTTP_410_GONE,
            )
        response = FileResponse(
            content,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-SHA256"] = attachment.stored_file.sha256
        response["Content-Length"] = str(attachment.stored_file.size)
        return response

    @extend_schema(request=None, responses=EvidenceVerificationSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.VIEW)
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """Hash the stored file again and compare it with the recorded SHA-256."""
        result = evidence_services.verify_evidence(self.get_object())
        return Response(
            EvidenceVerificationSerializer(
                {"expected": result.expected, "actual": result.actual, "is_intact": result.is_intact}
            ).data
        )


# Contacts and the escalation chain -------------------------------------------------------------


class EmergencyContactSerializer(serializers.ModelSerializer):
    reason = reason_field()

    class Meta:
        model = EmergencyContact
        fields = [
            "id",
            "name",
            "organisation",
            "role",
            "kind",
            "phone",
            "email",
            "notes",
            "is_active",
            "reason",
        ]


class EscalationStepSerializer(serializers.ModelSerializer):
    person = ScopedRelatedField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    reason = reason_field()

    class Meta:
        model = EscalationStep
        fields = [
            "id",
            "level",
            "person",
            "person_name",
            "after_minutes",
            "contact_note",
            "is_active",
            "reason",
        ]


class EmergencyContactViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    LibraryViewSet,
):
    """People and organisations to call in an incident (regulators, police, suppliers …)."""

    queryset = EmergencyContact.objects.all()
    serializer_class = EmergencyContactSerializer
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name", "organisation", "role", "phone", "email"]
    ordering_fields = ["name", "kind"]
    ordering = ["kind", "name"]

    create_service = staticmethod(contact_services.create_contact)
    update_service = staticmethod(contact_services.update_contact)
    delete_service = staticmethod(contact_services.delete_contact)


class EscalationStepViewSet(
    ServiceWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    LibraryViewSet,
):
    """The on-duty escalation chain: who is told how long after a reporting deadline passed."""

    queryset = EscalationStep.objects.select_related("person")
    serializer_class = EscalationStepSerializer
    filterset_fields = ["is_active", "level"]
    ordering_fields = ["level", "after_minutes"]
    ordering = ["level", "after_minutes", "id"]

    create_service = staticmethod(contact_services.create_escalation_step)
    update_service = staticmethod(contact_services.update_escalation_step)
    delete_service = staticmethod(contact_services.delete_escalation_step)


def register_routes(router: BaseRouter) -> None:
    router.register("timeline-events", TimelineEventViewSet, basename="incident-timeline-event")
    router.register("tasks", TaskViewSet, basename="incident-task")
    router.register("playbooks", PlaybookViewSet, basename="incident-playbook")
    router.register("playbook-steps", PlaybookStepViewSet, basename="incident-playbook-step")
    router.register("evidence", EvidenceViewSet, basename="incident-evidence")
    router.register("contacts", EmergencyContactViewSet, basename="incident-contact")
    router.register("escalation-steps", EscalationStepViewSet, basename="incident-escalation-step")
