from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models.query import ModelIterable, QuerySet
from rest_framework.pagination import PageNumberPagination


class KeysFirstPaginator(Paginator):
    """Finds the primary keys of a page first, then loads only those rows.

    Sorting narrow (key, sort column) rows and keeping 50 is cheap; sorting every
    row with its joined columns to keep 50 is what made the people list slow on
    large tables, and deep pages much slower (see docs/performance.md).
    """

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int) -> Any:
        queryset = self.object_list
        if (
            not isinstance(queryset, QuerySet)
            or queryset._iterable_class is not ModelIterable
            or queryset.query.distinct
            or queryset.query.combinator
        ):
            return queryset[bottom:top]
        keys = list(_ordered_to_the_row(queryset).values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
        return [rows[key] for key in keys if key in rows]


def _ordered_to_the_row(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset with the primary key as last sort key, so that rows tied on the
    requested order (`?ordering=unit__name`) keep one order from page to page."""
    query = queryset.query
    ordering = list(query.order_by) if query.order_by else []
    if not ordering and query.default_ordering:
        ordering = list(queryset.model._meta.ordering)
    if any(isinstance(key, str) and key.lstrip("-") in {"pk", "id"} for key in ordering):
        return queryset
    return queryset.order_by(*ordering, "pk")


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = KeysFirstPaginator
