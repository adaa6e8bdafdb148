"""Filters of the candidate matches and screening runs, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.scoping import scoped_choices
from garrison.suppliers.models import MatchStatus, ScreeningMatch, ScreeningRun, ScreeningTrigger, WatchList

ALL = "all"


class MatchFilter(ScopedFilterSet):
    """The API's filters of candidate matches."""

    status = django_filters.ChoiceFilter(choices=MatchStatus.choices, label=_("Status"))
    watch_list = django_filters.ModelChoiceFilter(
        field_name="entry__watch_list", queryset=scoped_choices(WatchList), label=_("Watch list")
    )
    supplier = django_filters.NumberFilter(field_name="supplier_id", label=_("Supplier (id)"))
    supplier_text = django_filters.CharFilter(
        method="filter_supplier_text",
        label=_("Supplier"),
        help_text=_("Part of the supplier's reference or name."),
    )
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("Score at least"))

    class Meta:
        model = ScreeningMatch
        fields = ["status", "watch_list", "supplier", "supplier_text", "min_score"]

    def filter_supplier_text(self, queryset: models.QuerySet[ScreeningMatch], name: str, value: str) -> Any:
        text = value.replace("\x00", "").strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(supplier__reference__icontains=text)
            | Q(supplier__name__icontains=text)
            | Q(supplier__name_en__icontains=text)
        )


class MatchListFilter(MatchFilter):
    """The match list page: the pending matches unless another status (or all) is chosen."""

    status = django_filters.ChoiceFilter(
        choices=((ALL, _("Every status")), *MatchStatus.choices),
        method="filter_status",
        label=_("Status"),
        empty_label=None,
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = MatchStatus.PENDING
        super().__init__(data, *args, **kwargs)
        # The supplier page links here with ?supplier=<id>; the sidebar keeps it, unseen.
        self.form.fields["supplier"].widget = forms.HiddenInput()

    def filter_status(self, queryset: models.QuerySet[ScreeningMatch], name: str, value: str) -> Any:
        return queryset if value == ALL else queryset.filter(status=value)


class RunFilter(ScopedFilterSet):
    trigger = django_filters.ChoiceFilter(choices=ScreeningTrigger.choices, label=_("Trigger"))

    class Meta:
        model = ScreeningRun
        fields = ["trigger"]
