"""The one list pattern every domain reuses.

A list page declares what it shows — model or queryset, a django-filter FilterSet,
columns, search fields, default ordering — and `ObjectListView` does the rest:
scoping to what the person may see, filtering, searching, sorting by whitelisted
column keys, pagination with a choice of page size, CSV/XLSX export of every
filtered row, an empty state, and an in-place table swap when HTMX asks for it.
It is a plain GET form, so it works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_filters import FilterSet

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import has_grant, restrict
from garrison.web.forms import style_form

PAGE_SIZES = (25, 50, 100)
RESULTS_TARGET = "list-results"
SEARCH_MAX_LENGTH = 200
# Query parameters that shape the view of a list, not which rows it holds.
PRESENTATION_PARAMETERS = frozenset({"page", "page_size", "sort", "export"})


@dataclass(frozen=True)
class ListColumn(exports.Column):
    """A column of a list page.

    `sort_key` is the ORM ordering expression a header click sorts by (only these
    keys are accepted from the URL); `link` is a URL name reversed with the value
    read by `link_arg`; `template` renders the cell instead of its plain value;
    columns that only carry page actions are not `exportable`.
    """

    sort_key: str | None = None
    link: str | None = None
    link_arg: str = "pk"
    template: str | None = None
    exportable: bool = True

    def url(self, obj: Any) -> str | None:
        if not self.link:
            return None
        argument = exports.Column("", self.link_arg).value(obj)
        if argument is None:
            return None
        return reverse(self.link, args=[argument])


def export_columns(columns: Sequence[ListColumn]) -> list[ListColumn]:
    return [column for column in columns if column.exportable]


@dataclass(frozen=True)
class Header:
    label: str | Promise
    sort_key: str | None
    direction: str | None
    next_sort: str | None


@dataclass(frozen=True)
class Cell:
    value: Any
    url: str | None
    template: str | None


@dataclass(frozen=True)
class Row:
    object: Any
    cells: list[Cell]


class ObjectListView(LoginRequiredMixin, View):
    """Subclass and declare; see the module docstring."""

    model: ClassVar[type[models.Model]]
    queryset: ClassVar[models.QuerySet[Any] | None] = None
    filterset_class: ClassVar[type[FilterSet] | None] = None
    columns: ClassVar[Sequence[ListColumn]] = ()
    search_fields: ClassVar[Sequence[str]] = ()
    default_ordering: ClassVar[Sequence[str]] = ()
    page_sizes: ClassVar[Sequence[int]] = PAGE_SIZES
    title: ClassVar[str | Promise] = ""
    empty_message: ClassVar[str | Promise] = _("Nothing matches these filters.")
    create_url_name: ClassVar[str | None] = None
    create_label: ClassVar[str | Promise] = _("Add")
    export_name: ClassVar[str] = ""
    template_name: ClassVar[str] = "web/list.html"
    results_template_name: ClassVar[str] = "web/partials/list_results.html"

    request: HttpRequest

    # Scoping: the one place a list decides which rows exist for this person.
    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = self.queryset if self.queryset is not None else self.model._default_manager.all()
        return restrict(queryset.all(), self.request.user, Action.VIEW)

    def may_create(self) -> bool:
        domain = self.model.scope.domain  # type: ignore[attr-defined]
        return bool(self.create_url_name) and has_grant(self.request.user, domain, Action.ADD)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET, queryset=queryset, request=request)
            style_form(filterset.form)
            queryset = filterset.qs
        # PostgreSQL text cannot hold NUL characters; a search for one finds nothing anyway.
        search = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
        queryset = self.search(queryset, search)
        sort = self.requested_sort()
        queryset = queryset.order_by(*self.ordering(sort))

        file_format = request.GET.get("export", "")
        if file_format in exports.FORMATS:
            return exports.export_response(
                queryset,
                export_columns(self.columns),
                file_format,
                by=request.user,
                filters=exports.filters_from(
                    request.GET, keep=exports.filterset_parameters(filterset) | {"q", "sort"}
                ),
                name=self.export_name or str(self.model._meta.model_name),
            )

        page = Paginator(queryset, self.page_size()).get_page(request.GET.get("page"))
        htmx = getattr(request, "htmx", None)
        partial = bool(
            htmx is not None and htmx and htmx.target == RESULTS_TARGET and not htmx.history_restore_request
        )
        context = {
            "view": self,
            "title": self.title or self.model._meta.verbose_name_plural,
            "filterset": filterset,
            "filter_form": filterset.form if filterset is not None else None,
            "search": search,
            "searchable": bool(self.search_fields),
            "headers": self.headers(sort),
            "rows": self.rows(page),
            "page": page,
            "page_size": page.paginator.per_page,
            "page_sizes": self.page_sizes,
            "sort": sort,
            "is_default_order": not sort,
            "is_filtered": self.is_filtered(),
            "empty_message": self.empty_message,
            "create_url": reverse(self.create_url_name)
            if self.may_create() and self.create_url_name
            else None,
            "create_label": self.create_label,
            "export_formats": exports.FORMATS,
            "results_target": RESULTS_TARGET,
            "is_partial": partial,
            **self.get_extra_context(page),
        }
        template = self.results_template_name if partial else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        """More context for the page; `page` holds the rows about to be shown."""
        return {}

    def search(self, queryset: models.QuerySet[Any], text: str) -> models.QuerySet[Any]:
        if not text or not self.search_fields:
            return queryset
        condition = reduce(or_, (Q(**{f"{field}__icontains": text}) for field in self.search_fields))
        return queryset.filter(condition)

    def sort_keys(self) -> set[str]:
        return {column.sort_key for column in self.columns if column.sort_key}

    def requested_sort(self) -> str:
        """The sort asked for in the URL, or "" when it is not a whitelisted column key."""
        requested = self.request.GET.get("sort", "")
        return requested if requested.removeprefix("-") in self.sort_keys() else ""

    def ordering(self, sort: str) -> list[str]:
        ordering = [sort] if sort else list(self.default_ordering or self.model._meta.ordering or [])
        # A unique last key keeps pages stable when many rows share the sorted value.
        return [*ordering, "pk"]

    def page_size(self) -> int:
        try:
            size = int(self.request.GET.get("page_size", ""))
        except ValueError:
            return self.page_sizes[0]
        return size if size in self.page_sizes else self.page_sizes[0]

    def is_filtered(self) -> bool:
        return any(
            value.strip()
            for key in self.request.GET
            if key not in PRESENTATION_PARAMETERS
            for value in self.request.GET.getlist(key)
        )

    def headers(self, sort: str) -> list[Header]:
        headers = []
        for column in self.columns:
            direction = None
            next_sort = column.sort_key
            if column.sort_key and sort.removeprefix("-") == column.sort_key:
                direction = "desc" if sort.startswith("-") else "asc"
                next_sort = column.sort_key if direction == "desc" else f"-{column.sort_key}"
            headers.append(Header(column.label, column.sort_key, direction, next_sort))
        return headers

    def rows(self, page: Page[Any]) -> list[Row]:
        return [
            Row(
                obj,
                [Cell(column.value(obj), column.url(obj), column.template) for column in self.columns],
            )
            for obj in page.object_list
        ]
