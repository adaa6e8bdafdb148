"""Filters of the assessment, questionnaire and scorecard lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.scoping import scoped_choices
from garrison.suppliers.models import (
    AssessmentStatus,
    Questionnaire,
    QuestionnaireKind,
    Scorecard,
    StandingBand,
    Supplier,
    SupplierAssessment,
)
from garrison.web.forms import DateInput


def supplier_filter() -> django_filters.ModelChoiceFilter:
    """A supplier by reference: a select of every supplier would not load."""
    return django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Supplier),
        to_field_name="reference",
        widget=forms.TextInput,
        label=_("Supplier"),
        help_text=_("The supplier's reference, such as SUP-000123."),
    )


class AssessmentFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(
        field_name="questionnaire__kind", choices=QuestionnaireKind.choices, label=_("Questionnaire kind")
    )
    questionnaire = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Questionnaire), label=_("Questionnaire")
    )
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices, label=_("Status"))
    supplier = supplier_filter()
    score_min = django_filters.NumberFilter(
        field_name="overall_score", lookup_expr="gte", label=_("Overall score at least")
    )
    score_max = django_filters.NumberFilter(
        field_name="overall_score", lookup_expr="lte", label=_("Overall score at most")
    )

    class Meta:
        model = SupplierAssessment
        fields = ["kind", "questionnaire", "status", "supplier", "score_min", "score_max"]


class QuestionnaireFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=QuestionnaireKind.choices, label=_("Kind"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Questionnaire
        fields = ["kind", "is_active"]


class ScorecardFilter(ScopedFilterSet):
    band = django_filters.ChoiceFilter(choices=StandingBand.choices, label=_("Standing"))
    supplier = supplier_filter()
    period_from = django_filters.DateFilter(
        field_name="period_end",
        lookup_expr="gte",
        label=_("Period ends on or after"),
        widget=DateInput,
    )
    period_to = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        label=_("Period starts on or before"),
        widget=DateInput,
    )
    year = django_filters.NumberFilter(method="filter_year", label=_("Year the period ends in"))

    class Meta:
        model = Scorecard
        fields = ["band", "supplier", "period_from", "period_to", "year"]

    def filter_year(self, queryset: models.QuerySet[Scorecard], name: str, value: Any) -> Any:
        return queryset.filter(period_end__year=int(value))
