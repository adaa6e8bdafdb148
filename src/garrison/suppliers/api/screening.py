"""API of screening: candidate matches (with confirm and dismiss), watch lists (imported
from a CSV upload, switched on and off, deleted; their entries) and screening runs (a POST
starts one over every supplier).

Thin: serializers validate shapes, garrison.suppliers.services.screening and .watchlists
write, scoping decides what exists for the person (an object out of reach is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from garrison.core.api.base import ScopedViewSet
from garrison.core.roles import Action
from garrison.suppliers.filtersets_screening import MatchFilter, RunFilter
from garrison.suppliers.models import (
    ScreeningMatch,
    ScreeningRun,
    ScreeningTrigger,
    WatchList,
    WatchListEntry,
)
from garrison.suppliers.services import screening as services
from garrison.suppliers.services import watchlists
from garrison.suppliers.services.screening import NOTE_MAX_LENGTH
from garrison.suppliers.tables_screening import MATCH_QUERYSET, RUN_QUERYSET, WATCH_LIST_QUERYSET

SEARCH_MAX_LENGTH = 200

# Candidate matches -----------------------------------------------------------------------------------


class MatchReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["identifier", "name"])
    supplier_value = serializers.CharField()
    list_value = serializers.CharField()
    normalised_supplier = serializers.CharField()
    normalised_list = serializers.CharField()
    scorer = serializers.ChoiceField(
        choices=["exact", "joined_ratio", "sorted_ratio"],
        help_text="exact: identical identifier; joined_ratio: fuzz.ratio of the normalised names without "
        "spaces; sorted_ratio: the same words in another order (score 100).",
    )
    score = serializers.FloatField(help_text="The lower of the whole-name and the distinctive-part scores.")
    full_score = serializers.FloatField(required=False, help_text="Name matches: the whole normalised names.")
    distinctive_supplier = serializers.CharField(
        required=False, help_text="Name matches: the supplier's name without generic industry words."
    )
    distinctive_list = serializers.CharField(
        required=False, help_text="Name matches: the listed name without generic industry words."
    )
    distinctive_score = serializers.FloatField(
        required=False, help_text="Name matches: the score of the distinctive parts."
    )


class ScreeningMatchSerializer(serializers.ModelSerializer):
    supplier_reference = serializers.CharField(source="supplier.reference", read_only=True)
    supplier_name = serializers.CharField(source="supplier.display_name", read_only=True)
    entry_name = serializers.CharField(source="entry.name", read_only=True)
    watch_list = serializers.IntegerField(source="entry.watch_list_id", read_only=True)
    watch_list_name = serializers.CharField(source="entry.watch_list.name", read_only=True)
    reasons = MatchReasonSerializer(many=True, read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)

    class Meta:
        model = ScreeningMatch
        fields = [
            "id",
            "supplier",
            "supplier_reference",
            "supplier_name",
            "entry",
            "entry_name",
            "watch_list",
            "watch_list_name",
            "score",
            "reasons",
            "status",
            "found_at",
            "run",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class MatchDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH)


class ScreeningMatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Candidate matches of suppliers with watch-list entries, with why they matched."""

    queryset = MATCH_QUERYSET
    serializer_class = ScreeningMatchSerializer
    filterset_class = MatchFilter
    ordering_fields = ["score", "found_at", "status"]
    ordering = ["-score", "-found_at", "-id"]

    def _decide(self, request: Request, *, confirm: bool) -> Response:
        form = MatchDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        note = form.validated_data["note"]
        match = self.get_object()
        if confirm:
            services.confirm_match(match, by=request.user, note=note)
        else:
            services.dismiss_match(match, by=request.user, note=note)
        return Response(self.get_serializer(MATCH_QUERYSET.get(pk=match.pk)).data)

    @extend_schema(request=MatchDecisionSerializer, responses=ScreeningMatchSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The supplier is the listed company (a pending match only; the note is optional)."""
        return self._decide(request, confirm=True)

    @extend_schema(request=MatchDecisionSerializer, responses=ScreeningMatchSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """The supplier is not the listed company; the note says why (required)."""
        return self._decide(request, confirm=False)


# Watch lists ----------------------------------------------------------------------------------------


class WatchListSerializer(serializers.ModelSerializer):
    imported_by_name = serializers.CharField(source="imported_by.full_name", read_only=True, default=None)

    class Meta:
        model = WatchList
        fields = [
            "id",
            "name",
            "kind",
            "source",
            "description",
            "is_active",
            "entry_count",
            "imported_at",
            "imported_by",
            "imported_by_name",
            "created_at",
        ]
        read_only_fields = fields


class WatchListImportSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=watchlists.LIST_NAME_MAX_LENGTH)
    file = serializers.FileField(
        help_text="UTF-8 CSV; header row with the columns name (required), identifiers (separated by "
        "';'), country (two letters), reason, reference, in any order and letter case."
    )
    # A field named "source" (where the list comes from), not the Field.source attribute.
    source = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)  # type: ignore[assignment]
    description = serializers.CharField(required=False, allow_blank=True, default="")
    replace = serializers.BooleanField(
        required=False, default=True, help_text="Replace the entries of the imported list of that name."
    )


class WatchListActiveSerializer(serializers.Serializer):
    is_active = serializers.BooleanField()


class WatchListEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchListEntry
        fields = [
            "id",
            "watch_list",
            "name",
            "normalised_name",
            "identifiers",
            "country",
            "reason",
            "reference",
            "supplier",
            "created_at",
        ]
        read_only_fields = fields


class WatchListViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet
):
    """The organisation's blacklist and the lists imported from CSV. Creating a list
    uploads its CSV (multipart); re-uploading under an existing name replaces its entries."""

    queryset = WATCH_LIST_QUERYSET
    serializer_class = WatchListSerializer
    filterset_fields = ["kind", "is_active"]
    search_fields = ["name", "source"]
    ordering_fields = ["name", "entry_count", "imported_at"]
    ordering = ["kind", "name"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def person_may_add(self, person: Any) -> bool:
        return watchlists.may_manage_watch_lists(person, Action.ADD)

    @extend_schema(
        request={"multipart/form-data": WatchListImportSerializer},
        responses={201: WatchListSerializer},
        summary="Import a watch list from CSV (or replace the entries of the list of that name)",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = WatchListImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = watchlists.import_watch_list(
            data["file"],
            by=request.user,
            name=data["name"],
            source=data["source"],
            description=data["description"],
            replace=data["replace"],
        )
        fresh = WATCH_LIST_QUERYSET.get(pk=result.watch_list.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: WatchList) -> None:
        watchlists.delete_watch_list(instance, by=self.request.user)

    @extend_schema(request=WatchListActiveSerializer, responses=WatchListSerializer)
    @action(detail=True, methods=["post"], scope_action_name=Action.CHANGE)
    def active(self, request: Request, pk: str | None = None) -> Response:
        """Switch an imported list on (its entries are screened at once) or off."""
        form = WatchListActiveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        watch_list = watchlists.set_watch_list_active(
            self.get_object(), by=request.user, is_active=form.validated_data["is_active"]
        )
        return Response(self.get_serializer(WATCH_LIST_QUERYSET.get(pk=watch_list.pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name or reference.")],
        responses=WatchListEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def entries(self, request: Request, pk: str | None = None) -> Response:
        """The list's entries, by name, paged."""
        watch_list = self.get_object()
        queryset = WatchListEntry.objects.filter(watch_list=watch_list).order_by("name", "pk")
        text = request.query_params.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
        if text:
            queryset = queryset.filter(
                Q(name__icontains=text) | Q(normalised_name__icontains=text) | Q(reference__icontains=text)
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WatchListEntrySerializer(page, many=True).data)


# Screening runs --------------------------------------------------------------------------------------


class ScreeningRunSerializer(serializers.ModelSerializer):
    started_by_name = serializers.CharField(source="started_by.full_name", read_only=True, default=None)

    class Meta:
        model = ScreeningRun
        fields = [
            "id",
            "trigger",
            "started_at",
            "finished_at",
            "suppliers_screened",
            "entries_compared",
            "new_matches",
            "started_by",
            "started_by_name",
        ]
        read_only_fields = fields


class ScreeningRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Screenings of the suppliers against the active watch lists. POST screens every
    supplier now (supplier rights over the whole organisation)."""

    queryset = RUN_QUERYSET
    serializer_class = ScreeningRunSerializer
    filterset_class = RunFilter
    ordering_fields = ["started_at", "new_matches"]
    ordering = ["-started_at", "-id"]

    def person_may_add(self, person: Any) -> bool:
        return services.may_screen_all(person)

    @extend_schema(request=None, responses={201: ScreeningRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        run = services.screen_suppliers(trigger=ScreeningTrigger.MANUAL, by=request.user)
        return Response(self.get_serializer(RUN_QUERYSET.get(pk=run.pk)).data, status=status.HTTP_201_CREATED)


def register_routes(router: BaseRouter) -> None:
    router.register("screening-matches", ScreeningMatchViewSet, basename="screening-match")
    router.register("watch-lists", WatchListViewSet, basename="watch-list")
    router.register("screening-runs", ScreeningRunViewSet, basename="screening-run")
