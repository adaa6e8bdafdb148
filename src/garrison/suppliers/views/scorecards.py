"""Web pages of performance scorecards: the scorecard list, the standings by band (each
supplier's latest scorecard), a scorecard's page, scoring a supplier for a period, and
the criteria with their weights.

Thin: scorecards are found through scoping, and every write goes through
garrison.suppliers.services.scorecards.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action
from garrison.core.scoping import can, has_grant, has_grant_everywhere, restrict
from garrison.library.text import localised
from garrison.suppliers import scoring
from garrison.suppliers.filtersets_assessments import ScorecardFilter
from garrison.suppliers.forms_assessments import CriterionForm, ScorecardForm
from garrison.suppliers.models import Scorecard, ScorecardCriterion, StandingBand, Supplier
from garrison.suppliers.panels import register_panel
from garrison.suppliers.services import scorecards as services
from garrison.suppliers.tables_assessments import CRITERION_COLUMNS, SCORECARD_COLUMNS, SCORECARD_QUERYSET
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.history import history_for
from garrison.web.lists import ObjectListView

BAND_ORDER = Case(
    *(When(band=band, then=Value(position)) for position, band in enumerate(scoring.BANDS)),
    default=Value(len(scoring.BANDS)),
    output_field=IntegerField(),
)


def may_edit_criteria(person: Any) -> bool:
    return has_grant_everywhere(person, Supplier.scope.domain, Action.CHANGE)


class ScorecardListView(ObjectListView):
    """Every scorecard the person may see, latest period first."""

    model = Scorecard
    queryset = SCORECARD_QUERYSET
    filterset_class = ScorecardFilter
    columns = SCORECARD_COLUMNS
    search_fields = ("supplier__reference", "supplier__name", "supplier__name_en")
    default_ordering: ClassVar[Sequence[str]] = ("-period_end", "supplier__reference")
    title = gettext_lazy("Performance scorecards")
    empty_message = gettext_lazy(
        "No scorecard matches these filters. Score a supplier with “Score a supplier”."
    )
    create_url_name = "suppliers:scorecard-create"
    create_label = gettext_lazy("Score a supplier")
    export_name = "supplier-scorecards"
    template_name = "suppliers/scorecard_list.html"


class StandingsView(ScorecardListView):
    """Each supplier's latest scorecard, best standing first, with the count in each band."""

    title = gettext_lazy("Standings")
    export_name = "supplier-standings"
    template_name = "suppliers/scorecard_standings.html"
    default_ordering: ClassVar[Sequence[str]] = ("band_order", "-overall_score", "supplier__reference")
    empty_message = gettext_lazy("No supplier has a scorecard that matches these filters.")

    def get_queryset(self) -> QuerySet[Any]:
        latest = Scorecard.objects.filter(supplier=OuterRef("supplier")).order_by(
            "-period_end", "-period_start", "-pk"
        )
        return (
            super()
            .get_queryset()
            .filter(pk=Subquery(latest.values("pk")[:1]))
            .annotate(band_order=BAND_ORDER)
        )

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        queryset = self.get_queryset()
        counts = {band: 0 for band in scoring.BANDS}
        for band in queryset.values_list("band", flat=True):
            counts[band] = counts.get(band, 0) + 1
        return {
            "band_counts": [(band, StandingBand(band).label, counts[band]) for band in scoring.BANDS],
            "thresholds": services.policy(),
        }


@login_required
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = get_object_or_404(restrict(SCORECARD_QUERYSET.all(), request.user, Action.VIEW), pk=pk)
    lines = [(localised(line.criterion), line) for line in scorecard.lines.select_related("criterion")]
    context = {
        "scorecard": scorecard,
        "title": _("%(supplier)s, %(period)s")
        % {
            "supplier": scorecard.supplier.display_name,
            "period": scoring.period_label(scorecard.period_start, scorecard.period_end),
        },
        "lines": lines,
        "history": history_for(scorecard, request.user),
    }
    return render(request, "suppliers/scorecard_detail.html", context)


@login_required
def scorecard_create(request: HttpRequest) -> HttpResponseBase:
    """Score a supplier for a period: one score per active criterion. `?supplier=SUP-…`
    pre-fills the supplier (from its page)."""
    if not has_grant(request.user, Supplier.scope.domain, Action.CHANGE):
        raise Http404
    criteria = list(ScorecardCriterion.objects.filter(is_active=True).order_by("order", "code"))
    form = ScorecardForm(
        request.POST if request.method == "POST" else None,
        initial={"supplier": request.GET.get("supplier", "")},
        person=request.user,
        criteria=criteria,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scorecard = services.create_scorecard(
                data["supplier"],
                by=request.user,
                period_start=data["period_start"],
                period_end=data["period_end"],
                scores=form.scores(),
                comment=data["comment"],
                reason=data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for code, messages_ in error.message_dict.items():
                    name = f"score_{code}"
                    form.add_error(
                        name if name in form.fields else (code if code in form.fields else None), messages_
                    )
            else:
                apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Scored %(score)s: %(band)s.")
                % {"score": scorecard.overall_score, "band": scorecard.get_band_display()},
            )
            return redirect("suppliers:scorecard-detail", pk=scorecard.pk)
    return render_form_page(
        request, form, title=_("Score a supplier"), cancel_url=reverse("suppliers:scorecard-list")
    )


# Criteria -------------------------------------------------------------------------------------------


class CriterionListView(ObjectListView):
    """The criteria of the scorecard and their weights, with each one's share of the overall score."""

    model = ScorecardCriterion
    columns = CRITERION_COLUMNS
    default_ordering = ("order", "code")
    title = gettext_lazy("Scorecard criteria")
    empty_message = gettext_lazy("No scorecard criterion is defined.")
    export_name = "scorecard-criteria"
    template_name = "suppliers/criterion_list.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset()

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        total = sum(
            (
                Decimal(weight)
                for weight in ScorecardCriterion.objects.filter(is_active=True).values_list(
                    "weight", flat=True
                )
            ),
            Decimal(0),
        )
        for criterion in page.object_list:
            criterion.share = (
                scoring.round_score(Decimal(criterion.weight) * 100 / total)
                if total and criterion.is_active
                else None
            )
        rows = self.rows(page)
        return {"rows": rows, "may_edit": may_edit_criteria(self.request.user)}


@login_required
def criterion_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    criterion = get_object_or_404(
        restrict(ScorecardCriterion.objects.all(), request.user, Action.CHANGE), pk=pk
    )
    form = CriterionForm(
        request.POST if request.method == "POST" else None,
        initial={"weight": criterion.weight, "is_active": criterion.is_active},
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.update_criterion(criterion, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The weight of %(criterion)s is saved.") % {"criterion": localised(criterion)}
            )
            return redirect("suppliers:criterion-list")
    return render_form_page(
        request,
        form,
        title=_("Weight of %(criterion)s") % {"criterion": localised(criterion)},
        cancel_url=reverse("suppliers:criterion-list"),
    )


# The supplier page's panel ----------------------------------------------------------------------------


def panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """The supplier's latest scorecards, the latest one's lines first."""
    visible = restrict(Scorecard.objects.filter(supplier=supplier), request.user, Action.VIEW)
    scorecards = list(visible.order_by("-period_end", "-period_start", "-pk")[:4])
    latest = scorecards[0] if scorecards else None
    return {
        "supplier": supplier,
        "scorecards": [
            (scoring.period_label(item.period_start, item.period_end), item) for item in scorecards
        ],
        "latest_lines": [
            (localised(line.criterion), line) for line in latest.lines.select_related("criterion")
        ]
        if latest
        else [],
        "may_score": can(request.user, Action.CHANGE, supplier),
    }


register_panel("scorecards", order=35, template="suppliers/_scorecards_panel.html", context=panel_context)


urlpatterns: list[URLPattern] = [
    path("scorecards/", ScorecardListView.as_view(), name="scorecard-list"),
    path("scorecards/standings/", StandingsView.as_view(), name="scorecard-standings"),
    path("scorecards/new/", scorecard_create, name="scorecard-create"),
    path("scorecards/<int:pk>/", scorecard_detail, name="scorecard-detail"),
    path("scorecards/criteria/", CriterionListView.as_view(), name="criterion-list"),
    path("scorecards/criteria/<int:pk>/edit/", criterion_update, name="criterion-update"),
]
