"""Columns of the assessment list, shared by the web page and the exports, and the
annotations that give each assessment its overall progress and score in SQL (so the
list sorts by them and reads no result row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Case, Count, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models import Assessment, Result
from garrison.web.lists import ListColumn

CONFIRMED = Q(results__is_inferred=False)


def with_figures(queryset: models.QuerySet[Assessment]) -> models.QuerySet[Assessment]:
    """Annotate each assessment with its result counts, `progress` and `score` (percent,
    None when there is nothing to divide by), the rule of garrison.compliance.scoring."""
    queryset = queryset.annotate(
        result_count=Count("results"),
        assessed_count=Count("results", filter=CONFIRMED & ~Q(results__result=Result.NOT_ASSESSED)),
        compliant_count=Count("results", filter=CONFIRMED & Q(results__result=Result.COMPLIANT)),
        partial_count=Count("results", filter=CONFIRMED & Q(results__result=Result.PARTIAL)),
        non_compliant_count=Count("results", filter=CONFIRMED & Q(results__result=Result.NON_COMPLIANT)),
        inferred_count=Count("results", filter=Q(results__is_inferred=True)),
    )
    scored = F("compliant_count") + F("partial_count") + F("non_compliant_count")
    return queryset.annotate(
        progress=Case(
            When(result_count=0, then=Value(None, output_field=FloatField())),
            default=Round(
                Cast(F("assessed_count"), FloatField()) * 100.0 / Cast(F("result_count"), FloatField()), 1
            ),
            output_field=FloatField(),
        ),
        score=Case(
            When(Q(compliant_count=0, partial_count=0, non_compliant_count=0), then=Value(None)),
            default=Round(
                (Cast(F("compliant_count"), FloatField()) + Cast(F("partial_count"), FloatField()) * 0.5)
                * 100.0
                / Cast(scored, FloatField()),
                1,
            ),
            output_field=FloatField(),
        ),
    )


@dataclass(frozen=True)
class PercentColumn(ListColumn):
    """A percentage annotation, shown with one decimal (empty when there is none)."""

    def value(self, obj: Any) -> Any:
        value = super().value(obj)
        return None if value is None else round(float(value), 1)


ASSESSMENT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="compliance:assessment-detail"),
    ListColumn(_("name"), "name", sort_key="name", link="compliance:assessment-detail"),
    ListColumn(
        _("framework"),
        "framework.reference",
        sort_key="framework__reference",
        link="compliance:framework-detail",
        link_arg="framework_id",
    ),
    ListColumn(_("unit"), "unit.name", sort_key="unit__name", link="core:unit-detail", link_arg="unit_id"),
    ListColumn(_("lead assessor"), "lead.full_name", sort_key="lead__full_name"),
    ListColumn(
        _("status"),
        "get_status_display",
        sort_key="status",
        template="compliance/assessment_cell_status.html",
    ),
    PercentColumn(
        _("progress %"), "progress", sort_key="progress", template="compliance/assessment_cell_progress.html"
    ),
    PercentColumn(_("score %"), "score", sort_key="score"),
    ListColumn(_("inferred, not confirmed"), "inferred_count", sort_key="inferred_count"),
    ListColumn(_("due date"), "due_on", sort_key="due_on"),
)
