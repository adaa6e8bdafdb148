"""Web pages of grading: the GB/T 20986-2023 categories, the grading thresholds (edited by
Administrators) and the grade decision of a case.

Thin: objects are found through scoping (out of reach answers 404 like missing), and
every write goes through garrison.incidents.services.grading.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.forms_grading import GradeForm, ThresholdForm
from garrison.incidents.models import GradingThreshold, Incident, IncidentCategory
from garrison.incidents.services import grading as services
from garrison.incidents.tables_grading import CATEGORY_COLUMNS, THRESHOLD_COLUMNS, LocalisedColumn
from garrison.library.text import localised
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.lists import ListColumn, ObjectListView

# Categories --------------------------------------------------------------------------------------


class CategoryListView(ObjectListView):
    """The GB/T 20986-2023 categories, each followed by its sub-categories."""

    model = IncidentCategory
    queryset = IncidentCategory.objects.select_related("parent").annotate(
        group_order=Coalesce(F("parent__order"), F("order")),
        group_code=Coalesce(F("parent__code"), F("code")),
        level=Case(When(parent__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    columns = CATEGORY_COLUMNS
    search_fields = ("code", "name", "name_zh", "description", "description_zh")
    default_ordering = ("group_order", "group_code", "level", "order", "code")
    page_sizes = (100, 200)
    title = gettext_lazy("Incident categories")
    empty_message = gettext_lazy("No category matches these filters.")
    export_name = "incident-categories"
    template_name = "incidents/category_list.html"


class CategoryDetailView(ObjectDetailView):
    """A category or sub-category: its names, description and sub-categories."""

    model = IncidentCategory
    queryset = IncidentCategory.objects.select_related("parent")
    fields = (
        ListColumn(gettext_lazy("code"), "code"),
        LocalisedColumn(gettext_lazy("name"), "name"),
        ListColumn(gettext_lazy("Chinese name"), "name_zh"),
        LocalisedColumn(gettext_lazy("description"), "description"),
        ListColumn(
            gettext_lazy("category"), "parent", link="incidents:category-detail", link_arg="parent_id"
        ),
        ListColumn(gettext_lazy("URN"), "urn"),
        ListColumn(gettext_lazy("library"), "library_urn"),
    )
    list_url_name = "incidents:category-list"
    template_name = "incidents/category_detail.html"

    def get_context_data(self, obj: IncidentCategory) -> dict[str, Any]:
        context = super().get_context_data(obj)
        context["title"] = f"{obj.code} {localised(obj)}".strip()
        return context

    def get_extra_context(self, obj: IncidentCategory) -> dict[str, Any]:
        return {"subcategories": list(obj.subcategories.order_by("order", "code"))}


# Thresholds ------------------------------------------------------------------------------------


class ThresholdListView(ObjectListView):
    """The grading thresholds, by metric and grade; Administrators add and change them."""

    model = GradingThreshold
    columns = THRESHOLD_COLUMNS
    search_fields = ("source", "notes", "urn")
    default_ordering = ("metric", "threshold")
    title = gettext_lazy("Grading thresholds")
    empty_message = gettext_lazy("No grading threshold matches these filters.")
    create_url_name = "incidents:threshold-create"
    create_label = gettext_lazy("Add threshold")
    export_name = "grading-thresholds"
    template_name = "incidents/threshold_list.html"

    def may_create(self) -> bool:
        return services.may_edit_thresholds(self.request.user)

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return {"may_edit": services.may_edit_thresholds(self.request.user)}


class ThresholdFormView(ObjectFormView):
    """The add and change pages of a threshold; both go back to the threshold list."""

    model = GradingThreshold
    form_class = ThresholdForm
    template_name = "incidents/threshold_form.html"
    cancel_url_name = "incidents:threshold-list"

    def success_url(self, obj: Any) -> str:
        return reverse("incidents:threshold-list")

    def render_form(self, obj: Any, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "object": obj,
            "form": form,
            "title": _("Change a grading threshold") if obj is not None else _("New grading threshold"),
            "cancel_url": reverse("incidents:threshold-list"),
        }
        return render(self.request, self.template_name, context, status=status)


class ThresholdCreateView(ThresholdFormView):
    is_create = True

    def get_object(self) -> None:
        if not services.may_edit_thresholds(self.request.user):
            raise Http404
        return None

    def save(self, form: forms.BaseForm, obj: None) -> GradingThreshold:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_threshold(by=self.request.user, reason=reason, **fields)


class ThresholdUpdateView(ThresholdFormView):
    def save(self, form: forms.BaseForm, obj: GradingThreshold) -> GradingThreshold:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_threshold(obj, by=self.request.user, reason=reason, **fields)


# The grade of a case -----------------------------------------------------------------------------


def _incident(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Incident:
    queryset: QuerySet[Incident] = Incident.objects.select_related("grade_confirmed_by")
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


@login_required
def incident_grade(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: the form pre-filled with the proposal and its basis; POST: confirm or override."""
    incident = _incident(request, pk, Action.CHANGE)
    services.apply_proposal(incident)  # the proposal as the facts stand now (not saved here)
    if request.method == "POST":
        form = GradeForm(request.POST)
        if form.is_valid():
            try:
                services.confirm_grade(
                    incident,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The grade is recorded."))
                return redirect("incidents:incident-detail", pk=incident.pk)
    else:
        form = GradeForm(initial={"grade": incident.grade or incident.proposed_grade})
    context = {
        "incident": incident,
        "form": form,
        "basis": services.basis_lines(incident),
        "title": _("Grade of %(incident)s") % {"incident": incident.reference},
        "cancel_url": reverse("incidents:incident-detail", args=[incident.pk]),
    }
    return render(request, "incidents/grade_form.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("categories/<int:pk>/", CategoryDetailView.as_view(), name="category-detail"),
    path("grading/thresholds/", ThresholdListView.as_view(), name="threshold-list"),
    path("grading/thresholds/new/", ThresholdCreateView.as_view(), name="threshold-create"),
    path("grading/thresholds/<int:pk>/edit/", ThresholdUpdateView.as_view(), name="threshold-update"),
    path("cases/<int:pk>/grade/", incident_grade, name="incident-grade"),
]
