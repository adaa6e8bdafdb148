"""Columns of the assessment, questionnaire, scorecard and criterion lists, shared by the
pages and the exports (web and API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.library.text import localised
from garrison.suppliers.models import Scorecard, SupplierAssessment
from garrison.suppliers.scoring import period_label
from garrison.web.lists import ListColumn

ASSESSMENT_QUERYSET = SupplierAssessment.objects.select_related("supplier", "questionnaire", "reviewer")
SCORECARD_QUERYSET = Scorecard.objects.select_related("supplier", "created_by")


@dataclass(frozen=True)
class LocalisedColumn(ListColumn):
    """A bilingual library text in the reader's language; `accessor` is dotted
    (``"name"`` on the row, ``"questionnaire.name"`` on its questionnaire)."""

    def value(self, obj: Any) -> Any:
        *path, field = self.accessor.split(".")
        for part in path:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return localised(obj, field)


@dataclass(frozen=True)
class PeriodColumn(ListColumn):
    def value(self, obj: Any) -> Any:
        return period_label(obj.period_start, obj.period_end)


ASSESSMENT_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("reference"), "reference", sort_key="reference", link="suppliers:assessment-detail"),
    ListColumn(_("supplier"), "supplier.reference", sort_key="supplier__reference"),
    ListColumn(_("supplier name"), "supplier.display_name", sort_key="supplier__name"),
    LocalisedColumn(_("questionnaire"), "questionnaire.name", sort_key="questionnaire__name"),
    ListColumn(_("status"), "get_status_display", sort_key="status"),
    ListColumn(_("respondent"), "respondent_name"),
    ListColumn(_("sent at"), "sent_at", sort_key="sent_at"),
    ListColumn(_("submitted at"), "submitted_at", sort_key="submitted_at"),
    ListColumn(_("overall score"), "overall_score", sort_key="overall_score"),
)

QUESTIONNAIRE_COLUMNS: tuple[ListColumn, ...] = (
    LocalisedColumn(_("name"), "name", sort_key="name", link="suppliers:questionnaire-detail"),
    ListColumn(_("kind"), "get_kind_display", sort_key="kind"),
    ListColumn(_("version"), "version"),
    ListColumn(_("questions"), "question_count", sort_key="question_count"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
)

SCORECARD_COLUMNS: tuple[ListColumn, ...] = (
    PeriodColumn(_("period"), "period_end", sort_key="period_end", link="suppliers:scorecard-detail"),
    ListColumn(_("supplier"), "supplier.reference", sort_key="supplier__reference"),
    ListColumn(_("supplier name"), "supplier.display_name", sort_key="supplier__name"),
    ListColumn(_("overall score"), "overall_score", sort_key="overall_score"),
    ListColumn(_("standing"), "get_band_display", sort_key="band"),
    ListColumn(_("scored by"), "created_by.full_name"),
)

CRITERION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn(_("code"), "code", sort_key="code"),
    LocalisedColumn(_("name"), "name", sort_key="name"),
    ListColumn(_("weight"), "weight", sort_key="weight"),
    ListColumn(_("share of the overall score (%)"), "share"),
    ListColumn(_("active"), "is_active", sort_key="is_active"),
    ListColumn(_("change"), "pk", template="suppliers/criterion_edit_cell.html", exportable=False),
)
