"""Filters of the reporting obligations, for the deadlines page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.scoping import scoped_choices
from garrison.incidents.models import Incident, ObligationKind, ObligationStatus, ReportingObligation

# The deadlines page's look-ahead windows; "all" is every pending obligation.
WINDOWS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "all": None}
DEFAULT_WINDOW = "24h"
# The longest look-ahead the API accepts: a year.
MAX_WITHIN_HOURS = 24 * 366


class DeadlineWindowFilter(django_filters.FilterSet):
    """The deadlines page: pending obligations due within the window, overdue included."""

    window = django_filters.ChoiceFilter(
        choices=(
            ("24h", _("Due in the next 24 hours and overdue")),
            ("7d", _("Due in the next 7 days and overdue")),
            ("all", _("Every pending obligation")),
        ),
        method="filter_window",
        label=_("Window"),
        empty_label=None,
    )

    class Meta:
        model = ReportingObligation
        fields = ["window"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("window"):
            data = data.copy()
            data["window"] = DEFAULT_WINDOW
        super().__init__(data, *args, **kwargs)

    def filter_window(self, queryset: models.QuerySet[ReportingObligation], name: str, value: str) -> Any:
        within = WINDOWS.get(value, WINDOWS[DEFAULT_WINDOW])
        if within is None:
            return queryset
        return queryset.filter(due_at__lte=timezone.now() + within)


class ObligationFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=ObligationStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=ObligationKind.choices, label=_("Kind"))
    incident = django_filters.ModelChoiceFilter(queryset=scoped_choices(Incident), label=_("Incident"))
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="lt", label=_("Due before")
    )
    due_within_hours = django_filters.NumberFilter(
        method="filter_due_within_hours",
        label=_("Due within (hours)"),
        help_text=_("Due no later than this many hours from now, the overdue ones included."),
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_WITHIN_HOURS}),
    )

    class Meta:
        model = ReportingObligation
        fields = ["status", "kind", "incident", "due_before", "due_within_hours"]

    def filter_due_within_hours(
        self, queryset: models.QuerySet[ReportingObligation], name: str, value: Any
    ) -> Any:
        hours = min(max(float(value), 0), MAX_WITHIN_HOURS)
        return queryset.filter(due_at__isnull=False, due_at__lte=timezone.now() + dt.timedelta(hours=hours))
