"""List filters that cannot reach past the person's scope.

A filter on another object (`?unit=7`, `?manager=12`) accepts only ids the person
may see; any other id is refused exactly like one that does not exist, so a filter
cannot be used to learn which ids exist elsewhere.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet

from garrison.core.scoping import scoped_choices

MODEL_FILTERS = (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)


class ScopedFilterSet(RestFilterSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for model_filter in self.filters.values():
            if not isinstance(model_filter, MODEL_FILTERS):
                continue
            queryset = model_filter.queryset
            # A callable queryset is already chosen per request by the filter's author.
            if isinstance(queryset, QuerySet) and hasattr(queryset.model, "scope"):
                model_filter.queryset = scoped_choices(queryset.model)


class ScopedFilterBackend(DjangoFilterBackend):
    """The API's filter backend: filtersets made from `filterset_fields` are scoped too."""

    filterset_base = ScopedFilterSet
