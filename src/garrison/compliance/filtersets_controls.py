"""Filters of the applied-control and control-test lists, shared by the web pages and the
API. Filters on other objects accept only what the person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    COMPLETED_TEST_RESULTS,
    AppliedControl,
    ControlCategory,
    ControlStatus,
    ControlTest,
    Framework,
    TestFrequency,
    TestResult,
)
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices

DUE_SOON_DAYS = 30
CALENDAR_DUE = "due"
CALENDAR_OVERDUE = "overdue"
CALENDAR_COMPLETED = "completed"
CALENDAR_CHOICES = (
    (CALENDAR_DUE, _("Due within 30 days")),
    (CALENDAR_OVERDUE, _("Overdue")),
    (CALENDAR_COMPLETED, _("Completed")),
)


class AppliedControlFilter(ScopedFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=scoped_choices(OrgUnit), label=_("Unit"))
    within = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Within unit"),
        help_text=_("The unit and its sub-units."),
    )
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Owner"))
    category = django_filters.ChoiceFilter(choices=ControlCategory.choices, label=_("Category"))
    status = django_filters.ChoiceFilter(choices=ControlStatus.choices, label=_("Status"))
    framework = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Framework), method="filter_framework", label=_("Framework")
    )
    requirement = django_filters.NumberFilter(field_name="requirements", label=_("Requirement"))
    test_frequency = django_filters.ChoiceFilter(choices=TestFrequency.choices, label=_("Test frequency"))
    asset = django_filters.NumberFilter(field_name="assets", label=_("Asset"))
    risk = django_filters.NumberFilter(field_name="risks", label=_("Risk scenario"))

    class Meta:
        model = AppliedControl
        fields = [
            "unit",
            "within",
            "owner",
            "category",
            "status",
            "framework",
            "requirement",
            "test_frequency",
            "asset",
            "risk",
        ]

    def filter_within(self, queryset: models.QuerySet[AppliedControl], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_framework(self, queryset: models.QuerySet[AppliedControl], name: str, value: Framework) -> Any:
        return queryset.filter(
            pk__in=AppliedControl.requirements.through.objects.filter(
                requirementnode__framework=value
            ).values("appliedcontrol_id")
        )


class ControlTestFilter(ScopedFilterSet):
    calendar = django_filters.ChoiceFilter(
        choices=CALENDAR_CHOICES, method="filter_calendar", label=_("Calendar")
    )
    result = django_filters.ChoiceFilter(choices=TestResult.choices, label=_("Result"))
    control = django_filters.NumberFilter(field_name="control", label=_("Control"))
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit), field_name="control__unit", label=_("Unit")
    )
    tester = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Tester"))
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Due from"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due until"))

    class Meta:
        model = ControlTest
        fields = ["calendar", "result", "control", "unit", "tester", "due_after", "due_before"]

    def filter_calendar(self, queryset: models.QuerySet[ControlTest], name: str, value: str) -> Any:
        today = timezone.localdate()
        if value == CALENDAR_OVERDUE:
            return queryset.filter(result=TestResult.SCHEDULED, due_on__lt=today)
        if value == CALENDAR_COMPLETED:
            return queryset.filter(result__in=COMPLETED_TEST_RESULTS)
        return queryset.filter(
            result=TestResult.SCHEDULED,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS),
        )
