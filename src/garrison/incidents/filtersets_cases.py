"""Filters of the incident cases and their indicators, shared by the web page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices
from garrison.incidents.models import (
    FINISHED_STATUSES,
    Grade,
    Incident,
    IncidentCategory,
    IncidentStatus,
    Indicator,
    IndicatorKind,
    ObligationStatus,
    ReportingObligation,
)
from garrison.web.forms import DateInput

OPEN = "open"
ALL = "all"
STATUS_CHOICES = [(OPEN, _("Open")), (ALL, _("All")), *IncidentStatus.choices]
YES_NO = (("yes", _("Yes")), ("no", _("No")))


def overdue_obligations(now: dt.datetime | None = None) -> models.QuerySet[ReportingObligation]:
    """Pending obligations of the case (an OuterRef) whose deadline has passed."""
    return ReportingObligation.objects.filter(
        incident=OuterRef("pk"), status=ObligationStatus.PENDING, due_at__lt=now or timezone.now()
    )


class IncidentFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
        empty_label=None,
        help_text=_("Open: neither closed nor a false positive."),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(IncidentCategory),
        method="filter_category",
        label=_("Category"),
        help_text=_("A category includes its sub-categories."),
    )
    grade = django_filters.ChoiceFilter(
        choices=Grade.choices,
        method="filter_grade",
        label=_("Grade"),
        help_text=_("The confirmed grade, or the proposed one while none is confirmed."),
    )
    handler = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Handler"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Unit"),
        help_text=_("Includes its sub-units."),
    )
    discovered_from = django_filters.DateFilter(
        field_name="discovered_at",
        method="filter_discovered_from",
        label=_("Discovered from"),
        widget=DateInput,
    )
    discovered_to = django_filters.DateFilter(
        field_name="discovered_at",
        method="filter_discovered_to",
        label=_("Discovered until"),
        widget=DateInput,
    )
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label=_("Report overdue"),
        help_text=_("A reporting obligation is past its deadline and not yet submitted."),
    )
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"))

    class Meta:
        model = Incident
        fields = [
            "status",
            "category",
            "grade",
            "handler",
            "unit",
            "discovered_from",
            "discovered_to",
            "overdue",
            "tag",
        ]

    def filter_status(self, queryset: models.QuerySet[Incident], name: str, value: str) -> Any:
        if value == ALL:
            return queryset
        if value == OPEN:
            return queryset.exclude(status__in=FINISHED_STATUSES)
        return queryset.filter(status=value)

    def filter_category(self, queryset: models.QuerySet[Incident], name: str, value: IncidentCategory) -> Any:
        if value.parent_id is not None:
            return queryset.filter(subcategory=value)
        return queryset.filter(category=value)

    def filter_grade(self, queryset: models.QuerySet[Incident], name: str, value: str) -> Any:
        return queryset.filter(Q(grade=value) | Q(grade="", proposed_grade=value))

    def filter_within(self, queryset: models.QuerySet[Incident], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def _day_start(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def filter_discovered_from(self, queryset: models.QuerySet[Incident], name: str, value: dt.date) -> Any:
        return queryset.filter(discovered_at__gte=self._day_start(value))

    def filter_discovered_to(self, queryset: models.QuerySet[Incident], name: str, value: dt.date) -> Any:
        return queryset.filter(discovered_at__lt=self._day_start(value + dt.timedelta(days=1)))

    def filter_overdue(self, queryset: models.QuerySet[Incident], name: str, value: str) -> Any:
        late = Exists(overdue_obligations())
        return queryset.filter(late) if value == "yes" else queryset.exclude(late)

    def filter_tag(self, queryset: models.QuerySet[Incident], name: str, value: str) -> Any:
        text = value.replace("\x00", "").strip()
        if not text:
            return queryset
        return queryset.filter(tags__name__iexact=text).distinct()


class IncidentListFilter(IncidentFilter):
    """The case list's filters: open cases unless asked otherwise, the handler by username
    (a list of every person would not load)."""

    handler = django_filters.CharFilter(
        method="filter_handler", label=_("Handler"), help_text=_("The handler's username.")
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = OPEN
        super().__init__(data, *args, **kwargs)

    def filter_handler(self, queryset: models.QuerySet[Incident], name: str, value: str) -> Any:
        return queryset.filter(handler__username=value.replace("\x00", "").strip())


class IndicatorFilter(ScopedFilterSet):
    incident = django_filters.ModelChoiceFilter(queryset=scoped_choices(Incident), label=_("Incident"))
    kind = django_filters.ChoiceFilter(choices=IndicatorKind.choices, label=_("Kind"))

    class Meta:
        model = Indicator
        fields = ["incident", "kind"]
