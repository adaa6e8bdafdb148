"""Filters of the framework library's lists, shared by the web pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    Framework,
    FrameworkOrigin,
    MappingSet,
    ReferenceControl,
    Relation,
    RequirementMapping,
    RequirementNode,
)
from garrison.core.filters import ScopedFilterSet


def provider_choices() -> list[tuple[str, str]]:
    """The providers of the frameworks loaded, as they are spelled in their libraries."""
    providers = Framework.objects.exclude(provider="").values_list("provider", flat=True).distinct()
    return [(provider, provider) for provider in sorted(set(providers))]


def _distinct_choices(field: str) -> Any:
    def choices() -> list[tuple[str, str]]:
        values = ReferenceControl.objects.exclude(**{field: ""}).values_list(field, flat=True).distinct()
        return [(value, value) for value in sorted(set(values))]

    return choices


class FrameworkFilter(ScopedFilterSet):
    provider = django_filters.ChoiceFilter(label=_("Provider"), choices=provider_choices)
    origin = django_filters.ChoiceFilter(label=_("Origin"), choices=FrameworkOrigin.choices)

    class Meta:
        model = Framework
        fields = ["provider", "origin"]


class MappingSetFilter(ScopedFilterSet):
    source_framework = django_filters.ModelChoiceFilter(
        label=_("Source framework"), queryset=Framework.objects.all()
    )
    target_framework = django_filters.ModelChoiceFilter(
        label=_("Target framework"), queryset=Framework.objects.all()
    )

    class Meta:
        model = MappingSet
        fields = ["source_framework", "target_framework"]


class RelationFilter(ScopedFilterSet):
    """The relations of one mapping set on its page: by relation, by source or target text."""

    relation = django_filters.ChoiceFilter(label=_("Relation"), choices=Relation.choices)
    source_text = django_filters.CharFilter(label=_("Source requirement"), method="filter_source")
    target_text = django_filters.CharFilter(label=_("Target requirement"), method="filter_target")

    class Meta:
        model = RequirementMapping
        fields = ["relation"]

    def filter_source(self, queryset: models.QuerySet[RequirementMapping], name: str, value: str) -> Any:
        return queryset.filter(_node_text("source", value))

    def filter_target(self, queryset: models.QuerySet[RequirementMapping], name: str, value: str) -> Any:
        return queryset.filter(_node_text("target", value))


def _node_text(prefix: str, value: str) -> Q:
    text = value.replace("\x00", "").strip()
    return (
        Q(**{f"{prefix}__reference__icontains": text})
        | Q(**{f"{prefix}__name__icontains": text})
        | Q(**{f"{prefix}__name_zh__icontains": text})
    )


class ReferenceControlFilter(ScopedFilterSet):
    category = django_filters.ChoiceFilter(label=_("Category"), choices=_distinct_choices("category"))
    function = django_filters.ChoiceFilter(label=_("Function"), choices=_distinct_choices("function"))

    class Meta:
        model = ReferenceControl
        fields = ["category", "function"]


class RequirementFilter(ScopedFilterSet):
    """The API's requirement list: one framework, one parent's children, assessable nodes."""

    framework = django_filters.ModelChoiceFilter(label=_("Framework"), queryset=Framework.objects.all())
    # Plain ids: a framework may hold thousands of nodes, too many for a list of choices.
    parent = django_filters.NumberFilter(label=_("Parent"), field_name="parent")
    is_root = django_filters.BooleanFilter(label=_("Top level"), field_name="parent", lookup_expr="isnull")
    assessable = django_filters.BooleanFilter(label=_("Assessable"), field_name="is_assessable")
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = RequirementNode
        fields = ["framework", "parent", "is_root", "assessable"]

    def filter_search(self, queryset: models.QuerySet[RequirementNode], name: str, value: str) -> Any:
        text = value.replace("\x00", "").strip()
        return queryset.filter(
            Q(reference__icontains=text)
            | Q(name__icontains=text)
            | Q(name_zh__icontains=text)
            | Q(description__icontains=text)
            | Q(description_zh__icontains=text)
        )


class RequirementMappingFilter(ScopedFilterSet):
    """The API's relation list: by mapping set, source or target requirement, relation."""

    mapping_set = django_filters.ModelChoiceFilter(label=_("Mapping set"), queryset=MappingSet.objects.all())
    source = django_filters.NumberFilter(label=_("Source requirement"), field_name="source")
    target = django_filters.NumberFilter(label=_("Target requirement"), field_name="target")
    relation = django_filters.ChoiceFilter(label=_("Relation"), choices=Relation.choices)

    class Meta:
        model = RequirementMapping
        fields = ["mapping_set", "source", "target", "relation"]
