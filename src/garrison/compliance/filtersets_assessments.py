"""Filters of the assessment and requirement-result lists, shared by the web pages and
the API. Filters on other objects accept only what the person may see."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import (
    Assessment,
    AssessmentStatus,
    Framework,
    RequirementResult,
    Result,
)
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices


class AssessmentFilter(ScopedFilterSet):
    framework = django_filters.ModelChoiceFilter(queryset=scoped_choices(Framework), label=_("Framework"))
    unit = django_filters.ModelChoiceFilter(queryset=scoped_choices(OrgUnit), label=_("Unit"))
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices, label=_("Status"))
    lead = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Person), field_name="lead", label=_("Lead assessor")
    )

    class Meta:
        model = Assessment
        fields = ["framework", "unit", "status", "lead"]


class RequirementResultFilter(ScopedFilterSet):
    """Results by assessment, result, inferred or not, requirement text."""

    assessment = django_filters.ModelChoiceFilter(queryset=scoped_choices(Assessment), label=_("Assessment"))
    result = django_filters.MultipleChoiceFilter(choices=Result.choices, label=_("Result"))
    inferred = django_filters.BooleanFilter(field_name="is_inferred", label=_("Inferred, not confirmed"))
    # A plain id: a framework may hold thousands of requirements.
    requirement = django_filters.NumberFilter(field_name="requirement", label=_("Requirement"))
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = RequirementResult
        fields = ["assessment", "result", "inferred", "requirement"]

    def filter_search(self, queryset: models.QuerySet[RequirementResult], name: str, value: str) -> Any:
        return queryset.filter(requirement_text(value))


def requirement_text(value: str, prefix: str = "requirement__") -> Q:
    """Results whose requirement's reference or names hold `value` (case aside)."""
    text = value.replace("\x00", "").strip()
    return (
        Q(**{f"{prefix}reference__icontains": text})
        | Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}name_zh__icontains": text})
    )
