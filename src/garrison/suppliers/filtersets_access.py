"""Filters of the access applications, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.scheduling import organisation_today
from garrison.suppliers.models import (
    ACTIVE_APPLICATION_STATUSES,
    AccessApplication,
    AccessPath,
    ApplicationStatus,
)
from garrison.suppliers.services.access_express import overdue_review_condition

UNDER_WAY = "under_way"
ALL = "all"
STATUS_CHOICES = [(UNDER_WAY, _("Under way")), (ALL, _("All")), *ApplicationStatus.choices]
YES_NO = (("yes", _("Yes")), ("no", _("No")))


class ApplicationFilter(ScopedFilterSet):
    path = django_filters.ChoiceFilter(choices=AccessPath.choices, label=_("Access path"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label=_("Status or stage"),
        help_text=_("Under way: at one of the stages."),
    )
    supplier = django_filters.CharFilter(
        method="filter_supplier", label=_("Supplier"), help_text=_("Part of the name or the reference.")
    )
    overdue_review = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue_review",
        label=_("Express review overdue"),
        help_text=_("Approved express access whose complete review is past due."),
    )

    class Meta:
        model = AccessApplication
        fields = ["path", "status", "supplier", "overdue_review"]

    def filter_status(self, queryset: models.QuerySet[AccessApplication], name: str, value: str) -> Any:
        if value == ALL:
            return queryset
        if value == UNDER_WAY:
            return queryset.filter(status__in=ACTIVE_APPLICATION_STATUSES)
        return queryset.filter(status=value)

    def filter_supplier(self, queryset: models.QuerySet[AccessApplication], name: str, value: str) -> Any:
        text = value.replace("\x00", "").strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(supplier__name__icontains=text)
            | Q(supplier__name_en__icontains=text)
            | Q(supplier__reference__icontains=text)
        )

    def filter_overdue_review(
        self, queryset: models.QuerySet[AccessApplication], name: str, value: str
    ) -> Any:
        overdue = Q(path=AccessPath.EXPRESS, status=ApplicationStatus.APPROVED) & Q(
            overdue_review_condition(organisation_today())
        )
        return queryset.filter(overdue) if value == "yes" else queryset.exclude(overdue)
