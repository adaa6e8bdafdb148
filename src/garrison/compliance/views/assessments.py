"""Web pages of the assessments: the list, the create and edit forms, an assessment's
page (its framework tree with every node's progress and score, the results with their
inferred proposals to confirm), a result's form and page, and the status steps.

Thin: every object is found through scoping (a forbidden one answers 404 like a missing
one) and every write goes through garrison.compliance.services.assessments.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from garrison.compliance import scoring
from garrison.compliance.filtersets_assessments import AssessmentFilter
from garrison.compliance.forms_assessments import AssessmentForm, ResultForm, StatusForm
from garrison.compliance.models import (
    Assessment,
    AssessmentStatus,
    RequirementNode,
    RequirementResult,
    Result,
)
from garrison.compliance.services import assessments as services
from garrison.compliance.tables_assessments import ASSESSMENT_COLUMNS, with_figures
from garrison.compliance.tree import build_tree, flatten
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, render_form_page, split_reason
from garrison.web.lists import SEARCH_MAX_LENGTH, ListColumn, ObjectListView

ASSESSMENT_QUERYSET = Assessment.objects.select_related("framework", "unit", "lead")
RESULT_QUERYSET = RequirementResult.objects.select_related(
    "assessment__framework", "assessment__unit", "requirement", "assessed_by", "inferred_from__assessment"
)
RESULT_BADGES: dict[str, str] = {
    Result.COMPLIANT: "text-bg-success",
    Result.PARTIAL: "text-bg-warning",
    Result.NON_COMPLIANT: "text-bg-danger",
    Result.NOT_APPLICABLE: "text-bg-secondary",
    Result.NOT_ASSESSED: "text-bg-light border",
}
INFERRED_FILTER = "inferred"


def result_badge(result: str) -> str:
    return RESULT_BADGES.get(result, "text-bg-light border")


# The list ---------------------------------------------------------------------------------------


class AssessmentListView(ObjectListView):
    """Every assessment the person may see, with its overall progress and score."""

    model = Assessment
    queryset = ASSESSMENT_QUERYSET
    filterset_class = AssessmentFilter
    columns = ASSESSMENT_COLUMNS
    search_fields = ("reference", "name", "scope_description", "framework__reference")
    default_ordering = ("-created_at", "reference")
    title = gettext_lazy("Assessments")
    empty_message = gettext_lazy("No assessment matches these filters.")
    create_url_name = "compliance:assessment-add"
    create_label = gettext_lazy("New assessment")
    export_name = "assessments"
    template_name = "compliance/assessment_list.html"

    def get_queryset(self) -> QuerySet[Any]:
        return with_figures(super().get_queryset())


class AssessmentCreateView(ObjectFormView):
    model = Assessment
    form_class = AssessmentForm
    is_create = True
    title = gettext_lazy("New assessment")
    cancel_url_name = "compliance:assessment-list"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in ("framework", "unit"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = value
        return initial

    def save(self, form: forms.BaseForm, obj: None) -> Assessment:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_assessment(by=self.request.user, reason=reason, **fields)


class AssessmentEditView(ObjectFormView):
    model = Assessment
    queryset = ASSESSMENT_QUERYSET
    form_class = AssessmentForm

    def save(self, form: forms.BaseForm, obj: Assessment) -> Assessment:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_assessment(obj, by=self.request.user, reason=reason, **fields)


# An assessment's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultLine:
    """What the tree shows of one assessable requirement's result."""

    pk: int
    result: str
    label: str
    badge: str
    is_inferred: bool
    justification: str
    control_count: int
    evidence_count: int


class TreeFilterForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"), required=False, choices=[("", "—"), *Result.choices]
    )
    inferred = forms.BooleanField(label=gettext_lazy("Inferred, not confirmed"), required=False)
    q = forms.CharField(label=gettext_lazy("Requirement"), required=False, max_length=SEARCH_MAX_LENGTH)


def _result_lines(assessment: Assessment) -> dict[int, ResultLine]:
    """Each requirement's result line by requirement id: one query."""
    labels = dict(Result.choices)
    rows = (
        RequirementResult.objects.filter(assessment=assessment)
        .annotate(
            control_count=Count("controls", distinct=True), evidence_count=Count("evidence", distinct=True)
        )
        .values_list(
            "pk",
            "requirement_id",
            "result",
            "is_inferred",
            "justification",
            "control_count",
            "evidence_count",
        )
    )
    return {
        requirement_id: ResultLine(
            pk=pk,
            result=result,
            label=str(labels.get(result, result)),
            badge=result_badge(result),
            is_inferred=is_inferred,
            justification=justification,
            control_count=control_count,
            evidence_count=evidence_count,
        )
        for pk, requirement_id, result, is_inferred, justification, control_count, evidence_count in rows
    }


def _matcher(form: TreeFilterForm, lines: dict[int, ResultLine]) -> Any:
    """The nodes the filters keep (None: every node), from the filter form's values."""
    if not form.is_valid():
        return None
    result = form.cleaned_data["result"]
    inferred = form.cleaned_data["inferred"]
    text = (form.cleaned_data["q"] or "").replace("\x00", "").strip().casefold()
    if not (result or inferred or text):
        return None

    def keep(node: RequirementNode) -> bool:
        line = lines.get(node.pk)
        if (result or inferred) and line is None:
            return False
        if result and line is not None and line.result != result:
            return False
        if inferred and line is not None and not line.is_inferred:
            return False
        if text:
            values = (node.reference, node.name, node.name_zh)
            return any(text in (value or "").casefold() for value in values)
        return True

    return keep


class AssessmentDetailView(ObjectDetailView):
    """The assessment: its facts, overall progress and score, then the framework's tree
    with each node's figures and each assessable requirement's result."""

    model = Assessment
    queryset = ASSESSMENT_QUERYSET
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(
            gettext_lazy("framework"),
            "framework.reference",
            link="compliance:framework-detail",
            link_arg="framework_id",
        ),
        ListColumn(gettext_lazy("unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("scope"), "scope_description"),
        ListColumn(gettext_lazy("lead assessor"), "lead.full_name"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("starts on"), "starts_on"),
        ListColumn(gettext_lazy("due date"), "due_on"),
        ListColumn(gettext_lazy("completed at"), "completed_at"),
    )
    edit_url_name = "compliance:assessment-edit"
    list_url_name = "compliance:assessment-list"
    template_name = "compliance/assessment_detail.html"

    def get_extra_context(self, obj: Assessment) -> dict[str, Any]:
        person = self.request.user
        nodes = list(
            restrict(RequirementNode.objects.filter(framework_id=obj.framework_id), person, Action.VIEW).only(
                "pk", "parent_id", "reference", "name", "name_zh", "order", "is_assessable", "depth"
            )
        )
        lines = _result_lines(obj)
        figures = scoring.roll_up(
            ((node.pk, node.parent_id, node.is_assessable) for node in nodes),
            {requirement: (line.result, line.is_inferred) for requirement, line in lines.items()},
        )
        filter_form = TreeFilterForm(self.request.GET or None)
        rows = flatten(build_tree(nodes, keep=_matcher(filter_form, lines)))
        may_change = can(person, Action.CHANGE, obj)
        is_open = obj.status != AssessmentStatus.COMPLETED
        transitions = services.AssessmentWorkflow.transitions_from(obj.status) if may_change else []
        return {
            "total": figures.total,
            "tree_rows": [(row, figures.nodes.get(row.node.pk), lines.get(row.node.pk)) for row in rows],
            "is_filtered": filter_form.is_bound and _matcher(filter_form, lines) is not None,
            "filter_form": filter_form,
            "may_edit_results": may_change and is_open,
            "edit_url": reverse("compliance:assessment-edit", args=[obj.pk])
            if may_change and is_open
            else None,
            "transitions": transitions,
            "status_form": StatusForm() if transitions else None,
            "may_delete": can(person, Action.DELETE, obj),
            "assessment": obj,
        }


# Status steps -----------------------------------------------------------------------------------


@require_POST
@login_required
def assessment_status(request: HttpRequest, pk: int, transition: str) -> HttpResponse:
    """Start, complete or reopen an assessment; a refusal is shown on its page."""
    assessment = get_object_or_404(restrict(ASSESSMENT_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    form = StatusForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.change_status(assessment, transition, by=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The assessment is now %(status)s.") % {"status": assessment.get_status_display().lower()},
        )
    return redirect("compliance:assessment-detail", pk=assessment.pk)


@login_required
def assessment_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    assessment = get_object_or_404(restrict(ASSESSMENT_QUERYSET.all(), request.user, Action.DELETE), pk=pk)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.delete_assessment(assessment, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The assessment is deleted."))
        return redirect("compliance:assessment-list")
    context = {
        "title": _("Delete an assessment"),
        "question": _("Delete %(assessment)s with all its results?") % {"assessment": assessment},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": reverse("compliance:assessment-detail", args=[assessment.pk]),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Results ----------------------------------------------------------------------------------------


def _result_url(row: RequirementResult) -> str:
    return f"{reverse('compliance:assessment-detail', args=[row.assessment_id])}#result-{row.pk}"


class ResultDetailView(ObjectDetailView):
    """One requirement's result: who gave it, the controls and evidence behind it, its
    history."""

    model = RequirementResult
    queryset = RESULT_QUERYSET
    fields = (
        ListColumn(
            gettext_lazy("assessment"),
            "assessment",
            link="compliance:assessment-detail",
            link_arg="assessment_id",
        ),
        ListColumn(
            gettext_lazy("requirement"),
            "requirement",
            link="compliance:requirement-detail",
            link_arg="requirement_id",
        ),
        ListColumn(gettext_lazy("result"), "get_result_display"),
        ListColumn(gettext_lazy("justification"), "justification"),
        ListColumn(gettext_lazy("inferred, not confirmed"), "is_inferred"),
        ListColumn(gettext_lazy("assessed by"), "assessed_by.full_name"),
        ListColumn(gettext_lazy("assessed at"), "assessed_at"),
    )
    template_name = "compliance/assessment_result_detail.html"

    def get_context_data(self, obj: RequirementResult) -> dict[str, Any]:
        context = super().get_context_data(obj)
        is_open = obj.assessment.status != AssessmentStatus.COMPLETED
        context["edit_url"] = (
            reverse("compliance:assessment-result-edit", args=[obj.pk])
            if context["may_change"] and is_open
            else None
        )
        context["list_url"] = reverse("compliance:assessment-detail", args=[obj.assessment_id])
        return context

    def get_extra_context(self, obj: RequirementResult) -> dict[str, Any]:
        person = self.request.user
        inferred_from = obj.inferred_from
        return {
            "controls": restrict(obj.controls.all(), person, Action.VIEW).order_by("reference"),
            "evidence": restrict(obj.evidence.all(), person, Action.VIEW).order_by("reference"),
            "inferred_from": (
                inferred_from
                if inferred_from is not None and can(person, Action.VIEW, inferred_from)
                else None
            ),
            "badge": result_badge(obj.result),
            "may_confirm": obj.is_inferred
            and can(person, Action.CHANGE, obj)
            and obj.assessment.status != AssessmentStatus.COMPLETED,
        }


def _changeable_result(request: HttpRequest, pk: int) -> RequirementResult:
    return get_object_or_404(restrict(RESULT_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)


@login_required
def result_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Give a requirement its result, justification, controls and evidence."""
    row = _changeable_result(request, pk)
    if row.assessment.status == AssessmentStatus.COMPLETED:
        messages.error(request, _("This assessment is completed; reopen it to change it."))
        return redirect(_result_url(row))
    # The form works on a copy: validation writes the new values onto its instance, and
    # the service must still see the old ones to record the change.
    form = ResultForm(request.POST or None, instance=copy.copy(row), person=request.user)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.set_result(row, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_result_url(row))
    requirement = row.requirement
    return render_form_page(
        request,
        form,
        title=_("Result of %(requirement)s") % {"requirement": str(requirement)},
        cancel_url=_result_url(row),
    )


@require_POST
@login_required
def result_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm one inferred result as the person's own."""
    row = _changeable_result(request, pk)
    try:
        services.confirm_inferred(row, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The inferred result is confirmed."))
    return redirect(_result_url(row))


@require_POST
@login_required
def confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every inferred result of an assessment."""
    assessment = get_object_or_404(restrict(ASSESSMENT_QUERYSET.all(), request.user, Action.CHANGE), pk=pk)
    try:
        count = services.confirm_all_inferred(assessment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d inferred result is confirmed.",
                    "%(count)d inferred results are confirmed.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("No inferred result was waiting for a confirmation."))
    return redirect("compliance:assessment-detail", pk=assessment.pk)


urlpatterns: list[URLPattern] = [
    path("assessments/", AssessmentListView.as_view(), name="assessment-list"),
    path("assessments/new/", AssessmentCreateView.as_view(), name="assessment-add"),
    path("assessments/<int:pk>/", AssessmentDetailView.as_view(), name="assessment-detail"),
    path("assessments/<int:pk>/edit/", AssessmentEditView.as_view(), name="assessment-edit"),
    path("assessments/<int:pk>/delete/", assessment_delete, name="assessment-delete"),
    path("assessments/<int:pk>/confirm-all/", confirm_all, name="assessment-confirm-all"),
    path("assessments/<int:pk>/<str:transition>/", assessment_status, name="assessment-status"),
    path("assessment-results/<int:pk>/", ResultDetailView.as_view(), name="assessment-result-detail"),
    path("assessment-results/<int:pk>/edit/", result_edit, name="assessment-result-edit"),
    path("assessment-results/<int:pk>/confirm/", result_confirm, name="assessment-result-confirm"),
]
