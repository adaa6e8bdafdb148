"""Filters of status changes and rectification plans, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import Person, RoleAssignment
from garrison.core.roles import APPROVER_ROLES, Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import is_authenticated_person, scoped_choices
from garrison.suppliers.models import (
    PlanStatus,
    RectificationPlan,
    StatusChange,
    StatusChangeSource,
    StatusChangeState,
    Supplier,
    SupplierStatus,
)
from garrison.web.forms import DateInput

YES_NO = (("yes", _("Yes")), ("no", _("No")))


def awaiting_approval_by(
    queryset: models.QuerySet[StatusChange], person: Any
) -> models.QuerySet[StatusChange]:
    """Changes awaiting approval that `person` may decide: over a unit they approve for,
    proposed by someone else (leaving the blacklist, which needs an Administrator, included:
    the service refuses it to others with the reason)."""
    if not is_authenticated_person(person):
        return queryset.none()
    waiting = queryset.filter(state=StatusChangeState.PROPOSED).exclude(proposed_by=person)
    if person.is_superuser:
        return waiting
    paths = RoleAssignment.objects.filter(
        person=person, role__in=APPROVER_ROLES[Domain.SUPPLIERS]
    ).values_list("unit__path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(supplier__unit__path__startswith=path)
    return waiting.filter(condition)


class StatusChangeFilter(ScopedFilterSet):
    state = django_filters.ChoiceFilter(choices=StatusChangeState.choices, label=_("State"))
    to_status = django_filters.ChoiceFilter(choices=SupplierStatus.choices, label=_("To status"))
    source = django_filters.ChoiceFilter(choices=StatusChangeSource.choices, label=_("Source"))
    supplier = django_filters.ModelChoiceFilter(queryset=scoped_choices(Supplier), label=_("Supplier"))
    awaiting_me = django_filters.BooleanFilter(
        method="filter_awaiting_me",
        label=_("Awaiting my approval"),
        help_text=_("Changes proposed by others that you may approve or reject."),
    )

    class Meta:
        model = StatusChange
        fields = ["state", "to_status", "source", "supplier"]

    def filter_awaiting_me(self, queryset: models.QuerySet[StatusChange], name: str, value: Any) -> Any:
        if not value:
            return queryset
        return awaiting_approval_by(queryset, getattr(self.request, "user", None))


class PlanFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_("Open plans past their due date, or with an open action past its own."),
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lt", label=_("Due before"), widget=DateInput
    )
    supplier = django_filters.ModelChoiceFilter(queryset=scoped_choices(Supplier), label=_("Supplier"))
    owner = django_filters.ModelChoiceFilter(queryset=scoped_choices(Person), label=_("Follow-up owner"))

    class Meta:
        model = RectificationPlan
        fields = ["status", "supplier", "owner"]

    def filter_overdue(self, queryset: models.QuerySet[RectificationPlan], name: str, value: str) -> Any:
        if value not in ("yes", "no"):
            return queryset
        today = organisation_today()
        late = Q(status=PlanStatus.OPEN) & (
            Q(due_on__lt=today) | Q(actions__status="open", actions__due_on__lt=today)
        )
        late_ids = RectificationPlan.objects.filter(late).values("pk")
        if value == "yes":
            return queryset.filter(pk__in=late_ids)
        return queryset.exclude(pk__in=late_ids)
