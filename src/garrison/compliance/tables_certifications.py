"""Columns of the certification register, shared by the web page and the exports (web and
API) so that a downloaded file has the columns the page shows, and more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from garrison.compliance import certs
from garrison.compliance.models import Certification
from garrison.core.scheduling import organisation_today
from garrison.web.lists import ListColumn


def with_next_surveillance(queryset: QuerySet[Certification]) -> QuerySet[Certification]:
    """`next_surveillance`: the planned date of the earliest audit not yet completed."""
    return queryset.annotate(
        next_surveillance=Min(
            "surveillance_audits__due_on", filter=Q(surveillance_audits__completed_on__isnull=True)
        )
    )


RENEWED = "renewed"


@dataclass(frozen=True)
class DaysLeftColumn(ListColumn):
    """Days until expiry: a coloured badge on the page (red once expired or within 30 days,
    amber within 90), the number in a file."""

    template: str | None = "compliance/certification_days_left.html"

    def value(self, obj: Any) -> Any:
        # A page marks certificates a later one of their lineage has replaced: "renewed" says
        # more than a red "expired" for a certificate nobody needs to act on.
        if getattr(obj, "renewed", False):
            return RENEWED
        return certs.days_left(organisation_today(), obj.expires_on)


@dataclass(frozen=True)
class YearsHeldColumn(ListColumn):
    """Whole years the certification has been held without a break. Pages set `holding`
    on their rows in one go; a file computes it per row."""

    def value(self, obj: Any) -> Any:
        holding = getattr(obj, "holding", None)
        if holding is None:
            from garrison.compliance.services.certifications import holding_of

            holding = holding_of(obj)
        return holding.years


def _name() -> ListColumn:
    return ListColumn(_("name"), "name", sort_key="name", link="compliance:certification-detail")


CERTIFICATION_COLUMNS: tuple[ListColumn, ...] = (
    _name(),
    ListColumn(_("scheme"), "get_scheme_display", sort_key="scheme"),
    ListColumn(_("certification body"), "body", sort_key="body"),
    ListColumn(_("certificate number"), "number", sort_key="number"),
    ListColumn(_("issued on"), "issued_on", sort_key="issued_on"),
    ListColumn(_("expires on"), "expires_on", sort_key="expires_on"),
    DaysLeftColumn(_("days left"), "expires_on", sort_key="expires_on"),
    ListColumn(_("next surveillance audit"), "next_surveillance", sort_key="next_surveillance"),
    YearsHeldColumn(_("years held"), "pk"),
)

CERTIFICATION_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _name(),
    ListColumn(_("scheme"), "get_scheme_display"),
    ListColumn(_("scope"), "scope_description"),
    ListColumn(_("certification body"), "body"),
    ListColumn(_("certificate number"), "number"),
    ListColumn(_("issued on"), "issued_on"),
    ListColumn(_("expires on"), "expires_on"),
    DaysLeftColumn(_("days left"), "expires_on"),
    ListColumn(_("status"), "get_status_display"),
    ListColumn(_("unit"), "unit.name"),
    ListColumn(_("owner"), "owner.full_name"),
    ListColumn(_("framework"), "framework.name"),
    ListColumn(_("next surveillance audit"), "next_surveillance"),
    YearsHeldColumn(_("years held"), "pk"),
)

SURVEILLANCE_AUDIT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("certification"), "certification.name"),
    ListColumn(_("kind"), "get_kind_display"),
    ListColumn(_("planned date"), "due_on"),
    ListColumn(_("completed on"), "completed_on"),
    ListColumn(_("outcome"), "outcome"),
)
