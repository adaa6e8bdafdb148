"""Web pages of the risk register: the list, a scenario's page with its treatment plan
and acceptance, the create and edit forms, the heat map, the acceptances to decide,
and the PDF report.

Thin: lists and pages come from the generic patterns in garrison.web, every object is
found through scoping (so forbidden answers 404 like missing), and every write goes
through garrison.risks.services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.assets.models import Asset
from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.risks import reports
from garrison.risks.filtersets import CELL_FILTERS, AcceptanceListFilter, HeatMapFilter, RegisterFilter
from garrison.risks.forms import (
    AcceptanceRequestForm,
    DecisionForm,
    RiskScenarioForm,
    TreatmentActionForm,
)
from garrison.risks.heatmap import heat_map, level_badge
from garrison.risks.models import (
    AcceptanceStatus,
    RiskAcceptance,
    RiskScenario,
    TreatmentAction,
    with_flags,
)
from garrison.risks.services import acceptance as acceptance_services
from garrison.risks.services import scenarios as scenario_services
from garrison.risks.services import treatment as treatment_services
from garrison.risks.services.scenarios import default_matrix
from garrison.risks.tables import ACCEPTANCE_COLUMNS, REGISTER_COLUMNS, REGISTER_EXPORT_COLUMNS
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason, style_form
from garrison.web.links import object_url
from garrison.web.lists import SEARCH_MAX_LENGTH, ListColumn, ObjectListView

SCENARIO_QUERYSET = RiskScenario.objects.select_related("unit", "owner", "matrix")
DECISIONS = {
    "approve": (acceptance_services.approve_acceptance, gettext_lazy("The acceptance is approved.")),
    "reject": (acceptance_services.reject_acceptance, gettext_lazy("The acceptance is rejected.")),
    "withdraw": (acceptance_services.withdraw_acceptance, gettext_lazy("The request is withdrawn.")),
}


def _visible_scenarios(request: HttpRequest) -> QuerySet[RiskScenario]:
    return restrict(SCENARIO_QUERYSET.all(), request.user, Action.VIEW)


# The register --------------------------------------------------------------------------------


class RegisterListView(ObjectListView):
    """The risk register: every scenario the person may see, highest residual level first."""

    model = RiskScenario
    queryset = SCENARIO_QUERYSET
    filterset_class = RegisterFilter
    columns = REGISTER_COLUMNS
    search_fields = ("reference", "title")
    default_ordering = ("-current_level", "reference")
    title = gettext_lazy("Risk register")
    empty_message = gettext_lazy("No risk scenarios match these filters.")
    create_url_name = "risks:risk-create"
    create_label = gettext_lazy("Add risk scenario")
    export_name = "risk-register"
    template_name = "risks/risk_list.html"

    def get_queryset(self) -> QuerySet[Any]:
        return with_flags(super().get_queryset())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds every rating and link, more than the page's columns.
            self.columns = REGISTER_EXPORT_COLUMNS  # type: ignore[misc]
            self.queryset = SCENARIO_QUERYSET.prefetch_related(  # type: ignore[misc]
                Prefetch("assets", queryset=restrict(Asset.objects.only("pk", "reference"), request.user)),
                "threats",
            )
        return super().get(request, *args, **kwargs)

    def get_extra_context(self, page: Any) -> dict[str, Any]:
        cell = {name: self.request.GET.get(name, "") for name in CELL_FILTERS}
        shown_cell = None
        for rating in ("current", "inherent"):
            likelihood, impact = cell[f"{rating}_likelihood"], cell[f"{rating}_impact"]
            if likelihood or impact:
                shown_cell = {"rating": rating, "likelihood": likelihood or "—", "impact": impact or "—"}
        query = self.request.GET.copy()
        for name in ("page", "export", "sort", "page_size"):
            query.pop(name, None)
        return {
            "cell": shown_cell,
            "report_url": f"{reverse('risks:risk-report')}?{query.urlencode()}",
            "heatmap_url": f"{reverse('risks:heatmap')}?{query.urlencode()}",
            "acceptances_url": f"{reverse('risks:acceptance-list')}?{urlencode({'status': 'requested'})}",
        }


@login_required
def register_report(request: HttpRequest) -> HttpResponse:
    """The filtered register as a PDF, in the list's order."""
    filterset = RegisterFilter(request.GET, queryset=with_flags(_visible_scenarios(request)), request=request)
    queryset = filterset.qs
    search = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if search:
        queryset = queryset.filter(Q(reference__icontains=search) | Q(title__icontains=search))
    queryset = queryset.order_by("-current_level", "reference", "pk")
    keep = exports.filterset_parameters(filterset) | {"q"}
    return reports.register_pdf_response(
        queryset, by=request.user, filters=exports.filters_from(request.GET, keep=keep)
    )


# A scenario's page ---------------------------------------------------------------------------


class ScenarioDetailView(ObjectDetailView):
    """A scenario's page: ratings, assets, threats, treatment plan, acceptance, history."""

    model = RiskScenario
    queryset = SCENARIO_QUERYSET
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(
            gettext_lazy("risk owner"), "owner.full_name", link="core:person-detail", link_arg="owner_id"
        ),
        ListColumn(gettext_lazy("risk matrix"), "matrix.name"),
        ListColumn(gettext_lazy("treatment"), "get_treatment_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("existing controls"), "existing_controls"),
        ListColumn(gettext_lazy("last reviewed"), "last_reviewed_at"),
    )
    edit_url_name = "risks:risk-edit"
    list_url_name = "risks:risk-list"
    template_name = "risks/risk_detail.html"

    def get_extra_context(self, obj: RiskScenario) -> dict[str, Any]:
        person = self.request.user
        today = timezone.localdate()
        may_change = can(person, Action.CHANGE, obj)
        actions = list(
            restrict(obj.actions.select_related("owner"), person, Action.VIEW).order_by("due_on", "pk")
        )
        changeable_actions = set(
            restrict(TreatmentAction.objects.filter(scenario=obj), person, Action.CHANGE).values_list(
                "pk", flat=True
            )
        )
        acceptances = list(
            restrict(obj.acceptances.select_related("requested_by", "decided_by"), person, Action.VIEW)
        )
        open_request = next((item for item in acceptances if item.status == AcceptanceStatus.REQUESTED), None)
        live = next(
            (
                item
                for item in acceptances
                if item.status == AcceptanceStatus.APPROVED and item.expires_on >= today
            ),
            None,
        )
        decisions = []
        if open_request is not None:
            decisions = [
                transition.name
                for transition in acceptance_services.AcceptanceWorkflow.allowed_transitions(
                    open_request, person
                )
            ]
        assets = list(restrict(obj.assets.all(), person, Action.VIEW).order_by("reference"))
        return {
            "ratings": _ratings(obj),
            "appetite_name": obj.matrix.level_name(obj.matrix.appetite),
            "assets": [(asset, object_url("assets.asset", asset.pk)) for asset in assets],
            "hidden_asset_count": obj.assets.count() - len(assets),
            "threats": [(threat, object_url("risks.threat", threat.pk)) for threat in obj.threats.all()],
            "actions": [(item, item.is_overdue_on(today), item.pk in changeable_actions) for item in actions],
            "is_overdue": any(item.is_overdue_on(today) for item in actions),
            "may_change": may_change,
            "may_delete": can(person, Action.DELETE, obj),
            "action_form": TreatmentActionForm(person=person, prefix="action") if may_change else None,
            "open_request": open_request,
            "live_acceptance": live,
            "past_acceptances": [item for item in acceptances if item is not open_request],
            "decisions": decisions,
            "decision_form": DecisionForm(prefix="decision") if decisions else None,
            "request_form": (
                AcceptanceRequestForm(prefix="acceptance") if may_change and open_request is None else None
            ),
        }


def _ratings(scenario: RiskScenario) -> list[tuple[Any, ...]]:
    """(label, likelihood, its name, impact, its name, level badge) of each rating."""
    likelihood_names = scenario.matrix.step_names("likelihood")
    impact_names = scenario.matrix.step_names("impact")

    def name(names: list[str], step: int | None) -> str:
        return names[step - 1] if step is not None and 1 <= step <= len(names) else ""

    rows = []
    for rating, label in (
        ("inherent", gettext_lazy("Inherent")),
        ("current", gettext_lazy("Current (residual)")),
        ("target", gettext_lazy("Target")),
    ):
        likelihood = getattr(scenario, f"{rating}_likelihood")
        impact = getattr(scenario, f"{rating}_impact")
        rows.append(
            (
                label,
                likelihood,
                name(likelihood_names, likelihood),
                impact,
                name(impact_names, impact),
                level_badge(scenario.matrix, getattr(scenario, f"{rating}_level")),
            )
        )
    return rows


class ScenarioCreateView(ObjectFormView):
    model = RiskScenario
    form_class = RiskScenarioForm
    is_create = True
    title = gettext_lazy("New risk scenario")
    cancel_url_name = "risks:risk-list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"owner": self.request.user.get_username()}
        unit = self.request.GET.get("unit", "")
        if unit.isdigit():
            initial["unit"] = unit
        asset = self.request.GET.get("asset", "")
        if asset.isdigit():
            initial["assets"] = list(restrict(Asset.objects.filter(pk=asset), self.request.user))
        return initial

    def save(self, form: forms.BaseForm, obj: None) -> RiskScenario:
        fields, reason = split_reason(form.cleaned_data)
        return scenario_services.create_scenario(
            by=self.request.user,
            reason=reason,
            reference=fields.pop("reference", "") or "",
            **fields,
        )


class ScenarioEditView(ObjectFormView):
    model = RiskScenario
    queryset = SCENARIO_QUERYSET
    form_class = RiskScenarioForm

    def save(self, form: forms.BaseForm, obj: RiskScenario) -> RiskScenario:
        fields, reason = split_reason(form.cleaned_data)
        assets = fields.pop("assets")
        threats = fields.pop("threats")
        return scenario_services.update_scenario(
            obj, by=self.request.user, reason=reason, assets=assets, threats=threats, **fields
        )


@login_required
def scenario_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    scenario = get_object_or_404(restrict(SCENARIO_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = style_form(DecisionForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        scenario_services.delete_scenario(scenario, by=request.user, reason=form.cleaned_data["comment"])
        messages.success(request, _("The risk scenario is deleted."))
        return redirect("risks:risk-list")
    context = {
        "title": _("Delete a risk scenario"),
        "question": _(
            "Delete %(scenario)s with its treatment plan and acceptances? Closing it keeps it on record."
        )
        % {"scenario": scenario},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("risks:risk-detail", args=[scenario.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Treatment plan ------------------------------------------------------------------------------


def _changeable_scenario(request: HttpRequest, pk: int) -> RiskScenario:
    return get_object_or_404(restrict(SCENARIO_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)


@login_required
def treatment_action_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Add a step to a scenario's treatment plan (the form is also on the scenario's page)."""
    scenario = _changeable_scenario(request, pk)
    form = TreatmentActionForm(request.POST or None, person=request.user, prefix="action")
    if request.method == "POST" and form.is_valid():
        try:
            treatment_services.add_treatment_action(scenario, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The action is added to the treatment plan."))
            return redirect("risks:risk-detail", pk=scenario.pk)
    return render_form_page(
        request,
        form,
        title=_("Add a treatment action to %(scenario)s") % {"scenario": scenario},
        cancel_url=reverse("risks:risk-detail", args=[scenario.pk]),
    )


def _changeable_action(request: HttpRequest, pk: int) -> TreatmentAction:
    queryset = TreatmentAction.objects.select_related("scenario", "owner")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def treatment_action_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = _changeable_action(request, pk)
    form = TreatmentActionForm(request.POST or None, instance=item, person=request.user)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            treatment_services.update_treatment_action(item, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("risks:risk-detail", pk=item.scenario_id)
    return render_form_page(
        request,
        form,
        title=_("Treatment action: %(action)s") % {"action": item},
        cancel_url=reverse("risks:risk-detail", args=[item.scenario_id]),
    )


@require_POST
@login_required
def treatment_action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    item = _changeable_action(request, pk)
    try:
        treatment_services.complete_treatment_action(item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The action is done."))
    return redirect("risks:risk-detail", pk=item.scenario_id)


# Acceptance ----------------------------------------------------------------------------------


@login_required
def acceptance_request(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Ask to accept the risk of a scenario until a date."""
    scenario = _changeable_scenario(request, pk)
    form = AcceptanceRequestForm(request.POST or None, prefix="acceptance")
    if request.method == "POST" and form.is_valid():
        try:
            acceptance_services.request_acceptance(scenario, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The acceptance is requested; the people who may decide are told."))
            return redirect("risks:risk-detail", pk=scenario.pk)
    return render_form_page(
        request,
        form,
        title=_("Ask to accept %(scenario)s") % {"scenario": scenario},
        cancel_url=reverse("risks:risk-detail", args=[scenario.pk]),
    )


@require_POST
@login_required
def acceptance_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve, reject or withdraw an acceptance request; the service says who may."""
    if decision not in DECISIONS:
        raise Http404
    queryset = RiskAcceptance.objects.select_related("scenario__unit")
    acceptance = get_object_or_404(restrict(queryset, request.user, Action.VIEW), pk=pk)
    form = DecisionForm(request.POST, prefix="decision")
    decide, done = DECISIONS[decision]
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("comment", [])))
    else:
        try:
            decide(acceptance, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, str(done))
    return redirect("risks:risk-detail", pk=acceptance.scenario_id)


class AcceptanceListView(ObjectListView):
    """Risk acceptances: by default those waiting for a decision, for the people who decide."""

    model = RiskAcceptance
    queryset = RiskAcceptance.objects.select_related("scenario__unit", "scenario__matrix", "requested_by")
    filterset_class = AcceptanceListFilter
    columns = ACCEPTANCE_COLUMNS
    search_fields = ("scenario__reference", "scenario__title", "justification")
    default_ordering = ("expires_on",)
    title = gettext_lazy("Risk acceptances")
    empty_message = gettext_lazy("No acceptances match these filters.")
    export_name = "risk-acceptances"


# Heat map ------------------------------------------------------------------------------------


@login_required
def heatmap(request: HttpRequest) -> HttpResponse:
    """Inherent and residual heat maps side by side; each cell leads to its scenarios."""
    filterset = HeatMapFilter(request.GET, queryset=_visible_scenarios(request), request=request)
    style_form(filterset.form)
    default = default_matrix()
    maps = heat_map(filterset.qs, [default] if default is not None else [])
    query = request.GET.copy()
    for name in (*CELL_FILTERS, "matrix", "page", "export", "sort"):
        query.pop(name, None)
    base = query.urlencode()
    register = reverse("risks:risk-list")
    views = []
    for matrix_map in maps:
        grids = []
        for rating, label in (("inherent", _("Inherent")), ("current", _("Current (residual)"))):
            grid = matrix_map.grids[rating]
            rows = []
            for row in grid.rows:
                cells = []
                for cell in row:
                    cell_query = urlencode(
                        {
                            "matrix": matrix_map.matrix.pk,
                            f"{rating}_likelihood": cell.likelihood,
                            f"{rating}_impact": cell.impact,
                        }
                    )
                    cells.append(
                        {
                            "cell": cell,
                            "url": f"{register}?{base}&{cell_query}" if base else f"{register}?{cell_query}",
                            "badge": level_badge(matrix_map.matrix, cell.level),
                        }
                    )
                rows.append((matrix_map.likelihood_names[row[0].likelihood - 1], cells))
            grids.append({"rating": rating, "label": label, "rows": rows, "total": grid.total})
        legend = [
            level_badge(matrix_map.matrix, rank) for rank in range(1, len(matrix_map.matrix.levels) + 1)
        ]
        views.append({"map": matrix_map, "grids": grids, "legend": legend})
    context = {
        "title": _("Risk heat map"),
        "filter_form": filterset.form,
        "maps": views,
        "register_url": f"{register}?{base}" if base else register,
    }
    return render(request, "risks/heatmap.html", context)


urlpatterns: list[URLPattern] = [
    path("", RegisterListView.as_view(), name="risk-list"),
    path("new/", ScenarioCreateView.as_view(), name="risk-create"),
    path("report/", register_report, name="risk-report"),
    path("heat-map/", heatmap, name="heatmap"),
    path("acceptances/", AcceptanceListView.as_view(), name="acceptance-list"),
    path("acceptances/<int:pk>/<str:decision>/", acceptance_decide, name="acceptance-decide"),
    path("<int:pk>/", ScenarioDetailView.as_view(), name="risk-detail"),
    path("<int:pk>/edit/", ScenarioEditView.as_view(), name="risk-edit"),
    path("<int:pk>/delete/", scenario_delete, name="risk-delete"),
    path("<int:pk>/actions/new/", treatment_action_add, name="treatment-action-create"),
    path("<int:pk>/acceptance/", acceptance_request, name="acceptance-request"),
    path("actions/<int:pk>/edit/", treatment_action_edit, name="treatment-action-edit"),
    path("actions/<int:pk>/complete/", treatment_action_complete, name="treatment-action-complete"),
]
