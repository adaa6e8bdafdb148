"""Columns of the incident case list, shared by the web page and the exports (web and
API), and the annotations they read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.incidents.models import Grade, Incident, ObligationStatus
from garrison.web.lists import ListColumn

INCIDENT_QUERYSET = Incident.objects.select_related("category", "subcategory", "handler", "unit")


def with_next_report_due(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """`next_report_due`: the earliest deadline of the case's pending reporting obligations."""
    return queryset.annotate(
        next_report_due=Min("obligations__due_at", filter=Q(obligations__status=ObligationStatus.PENDING))
    )


def grade_text(incident: Incident) -> str:
    """The confirmed grade, or "proposed: …" while only the assistant's proposal exists."""
    if incident.grade:
        return str(incident.get_grade_display())
    if incident.proposed_grade:
        return _("proposed: %(grade)s") % {"grade": Grade(incident.proposed_grade).label}
    return ""


@dataclass(frozen=True)
class GradeColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        return grade_text(obj)


def _reference() -> ListColumn:
    return ListColumn(
        gettext_lazy("reference"), "reference", sort_key="reference", link="incidents:incident-detail"
    )


INCIDENT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("title"), "title", sort_key="title", link="incidents:incident-detail"),
    ListColumn(gettext_lazy("category"), "category", sort_key="category__code"),
    GradeColumn(gettext_lazy("grade"), "grade", sort_key="grade"),
    ListColumn(gettext_lazy("status"), "get_status_display", sort_key="status"),
    ListColumn(gettext_lazy("handler"), "handler.full_name", sort_key="handler__full_name"),
    ListColumn(gettext_lazy("discovered"), "discovered_at", sort_key="discovered_at"),
    ListColumn(gettext_lazy("next report due"), "next_report_due", sort_key="next_report_due"),
)

INCIDENT_EXPORT_COLUMNS: tuple[ListColumn, ...] = (
    _reference(),
    ListColumn(gettext_lazy("title"), "title"),
    ListColumn(gettext_lazy("category"), "category"),
    ListColumn(gettext_lazy("sub-category"), "subcategory"),
    GradeColumn(gettext_lazy("grade"), "grade"),
    ListColumn(gettext_lazy("status"), "get_status_display"),
    ListColumn(gettext_lazy("handler"), "handler.full_name"),
    ListColumn(gettext_lazy("owning unit"), "unit.name"),
    ListColumn(gettext_lazy("occurred at"), "occurred_at"),
    ListColumn(gettext_lazy("discovered"), "discovered_at"),
    ListColumn(gettext_lazy("contained at"), "contained_at"),
    ListColumn(gettext_lazy("handling ended at"), "handling_ended_at"),
    ListColumn(gettext_lazy("closed at"), "closed_at"),
    ListColumn(gettext_lazy("next report due"), "next_report_due"),
)

INDICATOR_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(gettext_lazy("incident"), "incident.reference"),
    ListColumn(gettext_lazy("kind"), "get_kind_display"),
    ListColumn(gettext_lazy("value"), "value"),
    ListColumn(gettext_lazy("description"), "description"),
    ListColumn(gettext_lazy("first seen"), "first_seen_at"),
)
