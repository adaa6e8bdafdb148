"""Filters of the inventory list, for the web page and the API.

Both read the same choices (type, status, levels, flags); the page picks the owner
by username and the unit from a list, the API takes ids. Every choice of another
object is scoped (garrison.core.filters.ScopedFilterSet), so a filter cannot tell an
out-of-reach id from a missing one.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import (
    Asset,
    AssetType,
    ClassificationLevel,
    Criticality,
    LifecycleStatus,
    Tag,
)
from garrison.core.filters import ScopedFilterSet
from garrison.core.models import OrgUnit, Person
from garrison.core.scoping import scoped_choices

YES_NO = (("yes", _("Yes")), ("no", _("No")))


def _yes_no(queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
    return queryset.filter(**{name: value == "yes"})


def _with_tag(queryset: QuerySet[Asset], name: str) -> QuerySet[Asset]:
    """Assets carrying the tag `name` (any case), without duplicating rows."""
    tagged = Asset.tags.through._default_manager.filter(asset_id=OuterRef("pk"), tag__name__iexact=name)
    return queryset.filter(Exists(tagged))


class AssetFilterBase(ScopedFilterSet):
    asset_type = django_filters.ChoiceFilter(choices=AssetType.choices, label=_("Type"))
    lifecycle_status = django_filters.ChoiceFilter(
        choices=LifecycleStatus.choices, label=_("Lifecycle status")
    )
    classification = django_filters.ChoiceFilter(
        choices=ClassificationLevel.choices, label=_("Classification")
    )
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices, label=_("Business criticality"))
    effective_criticality = django_filters.ChoiceFilter(
        choices=Criticality.choices, label=_("Effective criticality")
    )
    is_critical_system = django_filters.ChoiceFilter(
        choices=YES_NO, method=_yes_no, label=_("Critical information system")
    )
    needs_review = django_filters.ChoiceFilter(choices=YES_NO, method=_yes_no, label=_("Needs review"))

    def filter_within(self, queryset: QuerySet[Asset], name: str, value: OrgUnit) -> QuerySet[Asset]:
        return queryset.filter(unit__path__startswith=value.path)


class AssetFilter(AssetFilterBase):
    """The list page's filters."""

    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(OrgUnit),
        method="filter_within",
        label=_("Custodian unit"),
        help_text=_("Includes its sub-units."),
    )
    owner = django_filters.CharFilter(method="filter_owner", label=_("Owner (username)"), max_length=150)
    tag = django_filters.ModelChoiceFilter(
        queryset=scoped_choices(Tag), to_field_name="name", method="filter_tag", label=_("Tag")
    )

    class Meta:
        model = Asset
        fields = [
            "asset_type",
            "lifecycle_status",
            "unit",
            "owner",
            "classification",
            "criticality",
            "effective_criticality",
            "is_critical_system",
            "tag",
            "needs_review",
        ]

    def filter_owner(self, queryset: QuerySet[Asset], name: str, value: str) -> QuerySet[Asset]:
        return queryset.filter(owner__username__iexact=value.replace("\x00", "").strip())

    def filter_tag(self, queryset: QuerySet[Asset], name: str, value: Tag) -> QuerySet[Asset]:
        return _with_tag(queryset, value.name)


class AssetApiFilter(AssetFilterBase):
    """The API's filters: objects by id, the tag by name."""

    owner = django_filters.ModelChoiceFilter(queryset=Person.objects.all(), label=_("Owner"))
    unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("Custodian unit"))
    within = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.all(), method="filter_within", label=_("Within unit")
    )
    site = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), label=_("Site"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"), max_length=60)
    is_critical_system = django_filters.BooleanFilter(label=_("Critical information system"))
    needs_review = django_filters.BooleanFilter(label=_("Needs review"))

    class Meta:
        model = Asset
        fields = [
            "asset_type",
            "lifecycle_status",
            "owner",
            "unit",
            "within",
            "site",
            "classification",
            "criticality",
            "effective_criticality",
            "is_critical_system",
            "tag",
            "needs_review",
        ]

    def filter_tag(self, queryset: QuerySet[Asset], name: str, value: Any) -> QuerySet[Asset]:
        text = str(value).replace("\x00", "").strip()
        return _with_tag(queryset, text) if text else queryset
