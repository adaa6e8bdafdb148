"""Filters of the audit-trail page."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import AuditEvent
from garrison.core.models.audit import AuditAction

# Beyond these, converting the person's midnight to UTC leaves the datetime range.
EARLIEST_DAY = dt.date(1, 1, 2)
LATEST_DAY = dt.date(9999, 12, 30)


def object_type_choices() -> list[tuple[str, str]]:
    """Every kind of object the trail can mention: the models that declare a scope,
    labelled in the active language."""
    return _object_type_choices(translation.get_language())


@cache
def _object_type_choices(language: str | None) -> list[tuple[str, str]]:
    with translation.override(language):
        choices = [
            (model._meta.label_lower, f"{model._meta.verbose_name} ({model._meta.label_lower})")
            for model in apps.get_models()
            if hasattr(model, "scope")
        ]
    return sorted(choices)


def _start_of_day(day: dt.date) -> dt.datetime:
    # Days are the person's days: midnight in their time zone, not in UTC.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEventFilter(ScopedFilterSet):
    object_type = django_filters.ChoiceFilter(choices=object_type_choices, label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    actor = django_filters.CharFilter(
        method="filter_actor", label=_("Actor"), help_text=_("Username or part of the name.")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    occurred_from = django_filters.DateFilter(
        method="filter_from", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    occurred_to = django_filters.DateFilter(
        method="filter_to", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "actor", "action", "occurred_from", "occurred_to"]

    def filter_actor(self, queryset: models.QuerySet[AuditEvent], name: str, value: str) -> Any:
        return queryset.filter(Q(actor_label__icontains=value) | Q(actor__username__iexact=value))

    def filter_from(self, queryset: models.QuerySet[AuditEvent], name: str, value: dt.date) -> Any:
        if value <= EARLIEST_DAY:
            return queryset
        return queryset.filter(occurred_at__gte=_start_of_day(value))

    def filter_to(self, queryset: models.QuerySet[AuditEvent], name: str, value: dt.date) -> Any:
        if value >= LATEST_DAY:
            return queryset
        # Inclusive of the whole last day.
        return queryset.filter(occurred_at__lt=_start_of_day(value + dt.timedelta(days=1)))
