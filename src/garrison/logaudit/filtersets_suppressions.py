"""Filters of the suppression list, shared by the web page and the API so that a filter
means the same on both: kind, state (active, expired, revoked), rule, unit (and the units
below it), owner, and active suppressions expiring within 14 days."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import ACTIVE, EXPIRED, REVOKED, expiring, in_state

STATES = ((ACTIVE, _("Active")), (EXPIRED, _("Expired")), (REVOKED, _("Revoked")))
YES_NO = (("yes", _("Yes")), ("no", _("No")))


class SuppressionFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=SuppressionKind.choices, label=_("Applies to"))
    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state", label=_("State"))
    rule = django_filters.ModelChoiceFilter(queryset=DetectionRule.objects.all(), label=_("Rule"))
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(),
        method="filter_unit",
        label=_("Unit"),
        help_text=_("The unit and the units below it."),
    )
    owner = django_filters.CharFilter(
        method="filter_owner", label=_("Owner"), help_text=_("The owner's username.")
    )
    expiring = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_expiring", label=_("Expiring within 14 days")
    )

    class Meta:
        model = Suppression
        fields = ["kind", "state", "rule", "unit", "owner", "expiring"]

    def filter_state(self, queryset: QuerySet[Suppression], name: str, value: str) -> Any:
        return in_state(queryset, value)

    def filter_unit(self, queryset: QuerySet[Suppression], name: str, value: OrgUnit) -> Any:
        return queryset.filter(unit__path__startswith=value.path)

    def filter_owner(self, queryset: QuerySet[Suppression], name: str, value: str) -> Any:
        return queryset.filter(owner__username=value.replace("\x00", "").strip())

    def filter_expiring(self, queryset: QuerySet[Suppression], name: str, value: str) -> Any:
        soon = expiring(queryset)
        return soon if value == "yes" else queryset.exclude(pk__in=soon.values("pk"))
