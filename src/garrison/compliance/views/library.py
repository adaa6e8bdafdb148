"""Web pages of the framework library: frameworks with their requirement trees, reference
controls and the mapping sets between frameworks.

Read-only: library data changes only by loading a library (garrison.library). Every
page finds its objects through scoping, so a person without the compliance grant sees
empty lists and a 404 for any object, exactly as for a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from garrison.compliance.filtersets import (
    FrameworkFilter,
    MappingSetFilter,
    ReferenceControlFilter,
    RelationFilter,
)
from garrison.compliance.models import (
    Framework,
    MappingSet,
    ReferenceControl,
    Relation,
    RequirementMapping,
    RequirementNode,
)
from garrison.compliance.tables import (
    FRAMEWORK_COLUMNS,
    MAPPING_SET_COLUMNS,
    REFERENCE_CONTROL_COLUMNS,
    RELATION_COLUMNS,
    LocalisedColumn,
)
from garrison.compliance.tree import ancestors, build_tree, flatten
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.library.services import may_load_libraries
from garrison.library.text import localised
from garrison.web.details import ObjectDetailView
from garrison.web.lists import SEARCH_MAX_LENGTH, ListColumn, ObjectListView


def library_context(request: HttpRequest) -> dict[str, Any]:
    """Where a person who may load libraries goes to load one (None for the others)."""
    may_load = may_load_libraries(request.user)
    return {"library_upload_url": reverse("library:library-upload") if may_load else None}


def search_text(request: HttpRequest) -> str:
    # PostgreSQL text cannot hold NUL characters; a search for one finds nothing anyway.
    return request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


@dataclass(frozen=True)
class MappedRequirement:
    """A requirement of another framework related to the one shown, read from the shown
    one's side: `relation` says how the shown requirement relates to `requirement`."""

    requirement: RequirementNode
    relation: str
    mapping_set: MappingSet
    rationale: str

    @property
    def relation_label(self) -> str:
        return relation_label(self.relation)


# Mapping sets say how a source relates to a target; read from the target, subset and
# superset swap.
REVERSED_RELATION = {"subset": "superset", "superset": "subset"}


def mapped_requirements(
    nodes: models.QuerySet[RequirementNode], person: Any
) -> dict[int, list[MappedRequirement]]:
    """Every mapping touching `nodes`, both ways, by node id: two queries however many."""
    relations = restrict(RequirementMapping.objects.all(), person, Action.VIEW).select_related(
        "mapping_set", "source__framework", "target__framework"
    )
    mapped: dict[int, list[MappedRequirement]] = defaultdict(list)
    for relation in relations.filter(source__in=nodes).order_by(
        "target__framework__reference", "target__order"
    ):
        mapped[relation.source_id].append(
            MappedRequirement(relation.target, relation.relation, relation.mapping_set, relation.rationale)
        )
    for relation in relations.filter(target__in=nodes).order_by(
        "source__framework__reference", "source__order"
    ):
        mapped[relation.target_id].append(
            MappedRequirement(
                relation.source,
                REVERSED_RELATION.get(relation.relation, relation.relation),
                relation.mapping_set,
                relation.rationale,
            )
        )
    return mapped


def relation_label(relation: str) -> str:
    return str(Relation(relation).label) if relation in Relation.values else relation


def node_matches(text: str) -> Any:
    """Whether a requirement's reference, names or descriptions hold `text` (case aside)."""
    folded = text.casefold()

    def matches(node: RequirementNode) -> bool:
        return any(
            folded in (value or "").casefold()
            for value in (node.reference, node.name, node.name_zh, node.description, node.description_zh)
        )

    return matches


# Frameworks -------------------------------------------------------------------------------------


class FrameworkListView(ObjectListView):
    """The frameworks the organisation answers to, as loaded from its libraries."""

    model = Framework
    queryset = Framework.objects.annotate(requirement_count=Count("requirements"))
    filterset_class = FrameworkFilter
    columns = FRAMEWORK_COLUMNS
    search_fields = ("reference", "name", "name_zh", "provider", "urn")
    default_ordering = ("reference",)
    title = _("Frameworks")
    empty_message = _("No framework matches these filters.")
    export_name = "frameworks"
    template_name = "compliance/framework_list.html"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return library_context(self.request)


class FrameworkDetailView(ObjectDetailView):
    """A framework's facts and its requirement tree, each requirement with its reference
    controls and its mappings to other frameworks; `?q=` keeps the matching requirements
    and their ancestors."""

    model = Framework
    queryset = Framework.objects.annotate(requirement_count=Count("requirements"))
    fields = (
        ListColumn(_("reference"), "reference"),
        LocalisedColumn(_("name"), "name"),
        LocalisedColumn(_("description"), "description"),
        ListColumn(_("provider"), "provider"),
        ListColumn(_("origin"), "get_origin_display"),
        ListColumn(_("requirements"), "requirement_count"),
        ListColumn(_("URN"), "urn"),
        ListColumn(_("library"), "library_urn"),
    )
    list_url_name = "compliance:framework-list"
    template_name = "compliance/framework_detail.html"

    def get_context_data(self, obj: Framework) -> dict[str, Any]:
        context = super().get_context_data(obj)
        context["title"] = f"{obj.reference} {localised(obj)}".strip()
        return context

    def get_extra_context(self, obj: Framework) -> dict[str, Any]:
        person = self.request.user
        nodes = restrict(RequirementNode.objects.filter(framework=obj), person, Action.VIEW)
        # One query for every node, one for their reference controls, two for mappings.
        loaded = list(
            nodes.prefetch_related(
                Prefetch("reference_controls", queryset=ReferenceControl.objects.order_by("reference"))
            )
        )
        search = search_text(self.request)
        roots = build_tree(loaded, keep=node_matches(search) if search else None)
        rows = flatten(roots)
        mapped = mapped_requirements(nodes, person) if loaded else {}
        return {
            "search": search,
            "tree_rows": [(row, mapped.get(row.node.pk, [])) for row in rows],
            "match_count": sum(1 for row in rows if row.item.is_match),
            "assessable_count": sum(1 for node in loaded if node.is_assessable),
            **library_context(self.request),
        }


class RequirementDetailView(ObjectDetailView):
    """One requirement: where it sits in its framework, its children, the reference
    controls that meet it and the requirements of other frameworks mapped to it."""

    model = RequirementNode
    queryset = RequirementNode.objects.select_related("framework", "parent")
    fields = (
        ListColumn(_("reference"), "reference"),
        LocalisedColumn(_("name"), "name"),
        LocalisedColumn(_("description"), "description"),
        ListColumn(
            _("framework"), "framework.reference", link="compliance:framework-detail", link_arg="framework_id"
        ),
        ListColumn(_("assessable"), "is_assessable"),
        ListColumn(_("URN"), "urn"),
    )
    list_url_name = "compliance:framework-list"
    template_name = "compliance/requirement_detail.html"

    def get_context_data(self, obj: RequirementNode) -> dict[str, Any]:
        context = super().get_context_data(obj)
        context["title"] = f"{obj.reference} {localised(obj)}".strip()
        return context

    def get_extra_context(self, obj: RequirementNode) -> dict[str, Any]:
        person = self.request.user
        outline = restrict(RequirementNode.objects.filter(framework_id=obj.framework_id), person, Action.VIEW)
        nodes_by_id = {
            node.pk: node for node in outline.only("pk", "parent_id", "reference", "name", "name_zh", "order")
        }
        children = restrict(obj.children.all(), person, Action.VIEW).order_by("order")
        controls = restrict(obj.reference_controls.all(), person, Action.VIEW).order_by("reference")
        mapped = mapped_requirements(RequirementNode.objects.filter(pk=obj.pk), person)
        return {
            "ancestors": ancestors(obj, nodes_by_id),
            "children": children,
            "reference_controls": controls,
            "mapped": mapped.get(obj.pk, []),
        }


# Mapping sets -----------------------------------------------------------------------------------


class MappingSetListView(ObjectListView):
    """The mapping sets: how the requirements of one framework relate to another's."""

    model = MappingSet
    queryset = MappingSet.objects.select_related("source_framework", "target_framework").annotate(
        relation_count=Count("relations")
    )
    filterset_class = MappingSetFilter
    columns = MAPPING_SET_COLUMNS
    search_fields = ("name", "name_zh", "urn", "source_framework__reference", "target_framework__reference")
    default_ordering = ("name",)
    title = _("Mapping sets")
    empty_message = _("No mapping set matches these filters.")
    export_name = "mapping-sets"
    template_name = "compliance/mapping_list.html"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return library_context(self.request)


class MappingSetDetailView(ObjectListView):
    """A mapping set's facts and its relations, filtered by relation or by the source or
    target requirement, exported as they are filtered."""

    model = RequirementMapping
    filterset_class = RelationFilter
    columns = RELATION_COLUMNS
    default_ordering = ("source__order", "target__framework__reference", "target__order")
    page_sizes = (50, 100, 200)
    empty_message = _("No relation matches these filters.")
    template_name = "compliance/mapping_detail.html"

    mapping_set: MappingSet

    def get_queryset(self) -> models.QuerySet[Any]:
        # The set first: one out of reach answers 404 exactly like a missing one.
        self.mapping_set = get_object_or_404(
            restrict(
                MappingSet.objects.select_related("source_framework", "target_framework"),
                self.request.user,
                Action.VIEW,
            ),
            pk=self.kwargs["pk"],
        )
        relations = RequirementMapping.objects.filter(mapping_set=self.mapping_set).select_related(
            "source", "target"
        )
        return restrict(relations, self.request.user, Action.VIEW)

    @property
    def export_name(self) -> str:  # type: ignore[override]
        return f"mapping-set-{self.mapping_set.pk}"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        counts = dict(
            self.mapping_set.relations.values_list("relation")
            .annotate(count=Count("pk"))
            .values_list("relation", "count")
        )
        return {
            "title": localised(self.mapping_set),
            "mapping_set": self.mapping_set,
            "relation_counts": [
                (relation_label(relation), count) for relation, count in sorted(counts.items())
            ],
        }


# Reference controls -----------------------------------------------------------------------------


class ReferenceControlListView(ObjectListView):
    """The reference controls: controls described once that help meet requirements of
    several frameworks."""

    model = ReferenceControl
    queryset = ReferenceControl.objects.annotate(requirement_count=Count("requirements"))
    filterset_class = ReferenceControlFilter
    columns = REFERENCE_CONTROL_COLUMNS
    search_fields = ("reference", "name", "name_zh", "description", "description_zh", "urn")
    default_ordering = ("reference",)
    title = _("Reference controls")
    empty_message = _("No reference control matches these filters.")
    export_name = "reference-controls"
    template_name = "compliance/reference_control_list.html"

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return library_context(self.request)


class ReferenceControlDetailView(ObjectDetailView):
    """A reference control and the requirements it helps meet, framework by framework."""

    model = ReferenceControl
    fields = (
        ListColumn(_("reference"), "reference"),
        LocalisedColumn(_("name"), "name"),
        LocalisedColumn(_("description"), "description"),
        ListColumn(_("category"), "category"),
        ListColumn(_("function"), "function"),
        ListColumn(_("URN"), "urn"),
        ListColumn(_("library"), "library_urn"),
    )
    list_url_name = "compliance:reference-control-list"
    template_name = "compliance/reference_control_detail.html"

    def get_context_data(self, obj: ReferenceControl) -> dict[str, Any]:
        context = super().get_context_data(obj)
        context["title"] = f"{obj.reference} {localised(obj)}".strip()
        return context

    def get_extra_context(self, obj: ReferenceControl) -> dict[str, Any]:
        requirements = restrict(obj.requirements.select_related("framework"), self.request.user, Action.VIEW)
        by_framework: dict[Framework, list[RequirementNode]] = defaultdict(list)
        for requirement in requirements.order_by("framework__reference", "order"):
            by_framework[requirement.framework].append(requirement)
        return {"requirements_by_framework": list(by_framework.items())}


urlpatterns = [
    path("", FrameworkListView.as_view(), name="framework-list"),
    path("frameworks/<int:pk>/", FrameworkDetailView.as_view(), name="framework-detail"),
    path("requirements/<int:pk>/", RequirementDetailView.as_view(), name="requirement-detail"),
    path("mappings/", MappingSetListView.as_view(), name="mapping-list"),
    path("mappings/<int:pk>/", MappingSetDetailView.as_view(), name="mapping-detail"),
    path("reference-controls/", ReferenceControlListView.as_view(), name="reference-control-list"),
    path(
        "reference-controls/<int:pk>/", ReferenceControlDetailView.as_view(), name="reference-control-detail"
    ),
]
