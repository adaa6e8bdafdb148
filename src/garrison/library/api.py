"""API of the reference libraries: the loaded libraries, and loading a library file."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from garrison.core.api.base import ScopedViewSet
from garrison.library.format import MAXIMUM_SIZE
from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadResult, load_library, may_load_libraries


class LoadedLibrarySerializer(serializers.ModelSerializer):
    loaded_by_name = serializers.CharField(source="loaded_by.full_name", read_only=True, default=None)

    class Meta:
        model = LoadedLibrary
        fields = [
            "id",
            "urn",
            "version",
            "name",
            "name_zh",
            "description",
            "publisher",
            "content_sha256",
            "object_counts",
            "last_changes",
            "loaded_at",
            "loaded_by",
            "loaded_by_name",
        ]
        read_only_fields = fields


class LibraryUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The library file: YAML, or an OSCAL catalog or profile in JSON (multipart, at most 5 MB)."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_file(self, upload: Any) -> Any:
        if upload.size is not None and upload.size > MAXIMUM_SIZE:
            raise serializers.ValidationError(_("The file is larger than 5 MB."))
        return upload


class KindOutcomeSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    changed = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    unchanged = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())


class LoadResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["added", "upgraded", "unchanged", "refused"])
    urn = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)
    previous_version = serializers.IntegerField(allow_null=True)
    kinds = serializers.DictField(child=KindOutcomeSerializer())
    # Only describes the answer in the schema, so shadowing Serializer.errors is harmless.
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]
    library = LoadedLibrarySerializer(allow_null=True)


def result_data(result: LoadResult) -> dict[str, Any]:
    return {
        "status": str(result.status),
        "urn": result.urn,
        "name": result.name,
        "version": result.version,
        "previous_version": result.previous_version,
        "kinds": {
            kind: {
                "added": outcome.added,
                "changed": outcome.changed,
                "unchanged": outcome.unchanged,
                "removed": outcome.removed,
            }
            for kind, outcome in result.kinds.items()
        },
        "errors": result.errors,
        "library": LoadedLibrarySerializer(result.library).data if result.library else None,
    }


class LoadedLibraryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The libraries loaded into this installation; `upload` loads a library file whole or
    refuses it (400, with every error naming the object and field)."""

    queryset = LoadedLibrary.objects.select_related("loaded_by")
    serializer_class = LoadedLibrarySerializer
    filterset_fields = ["urn", "publisher"]
    search_fields = ["name", "name_zh", "urn", "publisher"]
    ordering_fields = ["name", "urn", "version", "loaded_at"]

    @extend_schema(
        request={"multipart/form-data": LibraryUploadSerializer},
        responses={200: LoadResultSerializer, 201: LoadResultSerializer, 400: LoadResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
        scope_action_name="change",
    )
    def upload(self, request: Request) -> Response:
        """Load a library file: 201 when it was added or upgraded, 200 when this version was
        already loaded, 400 when it was refused (nothing written)."""
        if not may_load_libraries(request.user):
            raise exceptions.PermissionDenied(
                _("Loading libraries needs the right over the whole organisation.")
            )
        upload = LibraryUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            result = load_library(
                upload.validated_data["file"], by=request.user, reason=upload.validated_data["reason"]
            )
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from None
        answer: int
        if result.is_refused:
            answer = status.HTTP_400_BAD_REQUEST
        elif result.status == "unchanged":
            answer = status.HTTP_200_OK
        else:
            answer = status.HTTP_201_CREATED
        return Response(result_data(result), status=answer)
