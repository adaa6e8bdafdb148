"""Web pages of incident cases: the case list (also the incidents home page), a case's
page with every section of its handling, the create, edit and delete forms, the workflow
steps, the case's full history, and its indicators.

Thin: every case is found through scoping (so forbidden answers 404 like missing), and
every write goes through garrison.incidents.services.cases and .indicators.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.incidents.filtersets_cases import IncidentListFilter
from garrison.incidents.forms_cases import DeleteForm, IncidentForm, IndicatorForm, TransitionForm
from garrison.incidents.models import Incident, Indicator
from garrison.incidents.services import cases as services
from garrison.incidents.services import indicators as indicator_services
from garrison.incidents.tables_cases import (
    INCIDENT_COLUMNS,
    INCIDENT_EXPORT_COLUMNS,
    INCIDENT_QUERYSET,
    grade_text,
    with_next_report_due,
)
from garrison.incidents.workflows import IncidentWorkflow
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.history import history_for
from garrison.web.lists import ListColumn, ObjectListView

FORM_TEMPLATE = "incidents/incident_form.html"
INDICATOR_FORM_TEMPLATE = "incidents/indicator_form.html"
# What the sections of the case page read, each in one query.
CASE_PAGE_PREFETCH = (
    "affected_units",
    "assets",
    "tags",
    "indicators",
    "obligations",
    "reports",
    "submissions",
    "communications",
    "timeline",
    "tasks",
    "evidence",
)


def _incident(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Incident:
    return get_object_or_404(restrict(INCIDENT_QUERYSET.all(), request.user, action), pk=pk)


def _case_url(incident: Incident) -> str:
    return reverse("incidents:incident-detail", args=[incident.pk])


# The list ------------------------------------------------------------------------------------------


class IncidentListView(ObjectListView):
    """The cases: open ones by default, newest discovery first."""

    model = Incident
    queryset = INCIDENT_QUERYSET
    filterset_class = IncidentListFilter
    columns = INCIDENT_COLUMNS
    search_fields = ("reference", "title")
    default_ordering = ("-discovered_at",)
    title = gettext_lazy("Incidents")
    empty_message = gettext_lazy("No incidents match these filters.")
    create_url_name = "incidents:incident-create"
    create_label = gettext_lazy("Record an incident")
    export_name = "incidents"
    template_name = "incidents/incident_list.html"

    def get_queryset(self) -> models.QuerySet[Any]:
        return with_next_report_due(super().get_queryset())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds the sub-category, unit and the case's clocks too.
            self.columns = INCIDENT_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# A case's page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamesColumn(ListColumn):
    """The names of a case's related rows (units, assets, tags), comma-separated."""

    def value(self, obj: Any) -> Any:
        return ", ".join(str(item) for item in getattr(obj, self.accessor).all()) or None


@dataclass(frozen=True)
class GradeField(ListColumn):
    def value(self, obj: Any) -> Any:
        return grade_text(obj) or None


@dataclass(frozen=True)
class SuppliersField(ListColumn):
    def value(self, obj: Any) -> Any:
        return ", ".join(obj.affected_suppliers or []) or None


class IncidentDetailView(ObjectDetailView):
    """A case's page: its facts and workflow steps, then the sections of every part of
    its handling (grading, reporting, timeline, tasks, indicators, evidence, review)."""

    model = Incident
    queryset = INCIDENT_QUERYSET.select_related("reported_by").prefetch_related(*CASE_PAGE_PREFETCH)
    fields = (
        ListColumn(gettext_lazy("status"), "get_status_display"),
        GradeField(gettext_lazy("grade"), "grade"),
        ListColumn(gettext_lazy("category"), "category"),
        ListColumn(gettext_lazy("sub-category"), "subcategory"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("occurred at"), "occurred_at"),
        ListColumn(gettext_lazy("discovered at"), "discovered_at"),
        ListColumn(gettext_lazy("contained at"), "contained_at"),
        ListColumn(gettext_lazy("handling ended at"), "handling_ended_at"),
        ListColumn(gettext_lazy("closed at"), "closed_at"),
        ListColumn(
            gettext_lazy("handler"), "handler.full_name", link="core:person-detail", link_arg="handler_id"
        ),
        ListColumn(
            gettext_lazy("reported by"),
            "reported_by.full_name",
            link="core:person-detail",
            link_arg="reported_by_id",
        ),
        ListColumn(gettext_lazy("owning unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        NamesColumn(gettext_lazy("affected units"), "affected_units"),
        NamesColumn(gettext_lazy("affected assets and systems"), "assets"),
        SuppliersField(gettext_lazy("other affected suppliers"), "affected_suppliers"),
        ListColumn(
            gettext_lazy("people whose personal information is involved"), "personal_information_people"
        ),
        ListColumn(gettext_lazy("sensitive personal information"), "sensitive_personal_information"),
        ListColumn(
            gettext_lazy("personal information leaked, tampered with or lost"), "personal_information_breach"
        ),
        ListColumn(gettext_lazy("service outage (minutes)"), "service_outage_minutes"),
        ListColumn(
            gettext_lazy("critical information infrastructure fully down (minutes)"),
            "cii_full_outage_minutes",
        ),
        ListColumn(
            gettext_lazy("main functions of critical information infrastructure down (minutes)"),
            "cii_main_function_outage_minutes",
        ),
        ListColumn(
            gettext_lazy("people whose water, power, gas, heating or transport is affected"),
            "essential_services_people",
        ),
        ListColumn(
            gettext_lazy("share of one province's population affected (%)"), "province_population_percent"
        ),
        ListColumn(gettext_lazy("estimated direct economic loss (CNY)"), "direct_loss_cny"),
        NamesColumn(gettext_lazy("tags"), "tags"),
    )
    edit_url_name = "incidents:incident-update"
    list_url_name = "incidents:incident-list"
    template_name = "incidents/incident_detail.html"

    def get_extra_context(self, obj: Incident) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        return {
            "incident": obj,
            "can_change": may_change,
            "now": timezone.now(),
            "transitions": IncidentWorkflow.allowed_transitions(obj, person) if may_change else [],
            "may_delete": can(person, Action.DELETE, obj),
        }


@login_required
def incident_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every recorded change of the case (its page shows the latest)."""
    incident = _incident(request, pk)
    context = {
        "incident": incident,
        "title": _("History of %(incident)s") % {"incident": incident},
        "history": history_for(incident, request.user, limit=1000),
    }
    return render(request, "incidents/incident_history.html", context)


# Create, edit, delete ------------------------------------------------------------------------------


class IncidentCreateView(ObjectFormView):
    model = Incident
    form_class = IncidentForm
    is_create = True
    title = gettext_lazy("Record an incident")
    template_name = FORM_TEMPLATE
    cancel_url_name = "incidents:incident-list"

    def save(self, form: forms.BaseForm, obj: None) -> Incident:
        fields, reason = split_reason(form.cleaned_data)
        return services.create_incident(by=self.request.user, reason=reason, **fields)


class IncidentUpdateView(ObjectFormView):
    model = Incident
    queryset = INCIDENT_QUERYSET
    form_class = IncidentForm
    template_name = FORM_TEMPLATE

    def save(self, form: forms.BaseForm, obj: Incident) -> Incident:
        fields, reason = split_reason(form.cleaned_data)
        return services.update_incident(obj, by=self.request.user, reason=reason, **fields)


@login_required
def incident_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk, Action.DELETE)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_incident(incident, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_case_url(incident))
        messages.success(request, _("The incident is deleted."))
        return redirect("incidents:incident-list")
    context = {
        "title": _("Delete an incident"),
        "question": _(
            "Delete %(incident)s with its indicators, timeline, tasks, evidence records and reports? "
            "A case that turned out not to be an incident should rather be recorded as a false positive."
        )
        % {"incident": incident},
        "form": form,
        "confirm_label": _("Delete"),
        "cancel_url": _case_url(incident),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Workflow steps -------------------------------------------------------------------------------------


@login_required
def incident_transition(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """Take a workflow step: a button posts here; a step that needs a reason asks for it."""
    incident = _incident(request, pk, Action.CHANGE)
    try:
        transition = IncidentWorkflow.transition_named(name)
    except ValidationError:
        raise Http404 from None
    form = TransitionForm(
        request.POST if request.method == "POST" else None, requires_reason=transition.requires_reason
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transition_incident(incident, name, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(incident)s is now: %(status)s.")
                % {"incident": incident.reference, "status": incident.get_status_display()},
            )
            return redirect(_case_url(incident))
    context = {
        "form": form,
        "title": _("%(step)s: %(incident)s") % {"step": transition.display, "incident": incident},
        "cancel_url": _case_url(incident),
        "submit_label": transition.display,
    }
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


# Indicators -------------------------------------------------------------------------------------------


def _indicator(request: HttpRequest, pk: int, indicator_pk: int) -> Indicator:
    queryset = Indicator.objects.select_related("incident").filter(incident_id=pk)
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=indicator_pk)


def _indicator_page(
    request: HttpRequest, incident: Incident, form: forms.BaseForm, title: str
) -> HttpResponse:
    context = {"form": form, "title": title, "incident": incident, "cancel_url": _case_url(incident)}
    return render(request, INDICATOR_FORM_TEMPLATE, context, status=400 if form.errors else 200)


def _save_indicator(request: HttpRequest, form: forms.BaseForm, write: Any) -> bool:
    fields, reason = split_reason(form.cleaned_data)
    try:
        write(reason=reason, **fields)
    except ValidationError as error:
        apply_service_errors(form, error)
    except IntegrityError:
        form.add_error("value", _("This indicator is already recorded for the case."))
    else:
        return True
    return False


@login_required
def indicator_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk, Action.CHANGE)
    form = IndicatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return indicator_services.add_indicator(incident, by=request.user, **fields)

        if _save_indicator(request, form, write):
            messages.success(request, _("The indicator is recorded."))
            return redirect(_case_url(incident) + "#indicators")
    return _indicator_page(
        request, incident, form, _("Add an indicator to %(incident)s") % {"incident": incident}
    )


@login_required
def indicator_edit(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponseBase:
    indicator = _indicator(request, pk, indicator_pk)
    form = IndicatorForm(request.POST if request.method == "POST" else None, instance=copy.copy(indicator))
    if request.method == "POST" and form.is_valid():

        def write(**fields: Any) -> Any:
            return indicator_services.update_indicator(indicator, by=request.user, **fields)

        if _save_indicator(request, form, write):
            messages.success(request, _("Saved."))
            return redirect(_case_url(indicator.incident) + "#indicators")
    return _indicator_page(request, indicator.incident, form, str(indicator))


@login_required
def indicator_delete(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponseBase:
    indicator = _indicator(request, pk, indicator_pk)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        indicator_services.remove_indicator(indicator, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The indicator is removed."))
        return redirect(_case_url(indicator.incident) + "#indicators")
    context = {
        "title": _("Remove an indicator"),
        "question": _("Remove %(indicator)s from %(incident)s?")
        % {"indicator": indicator, "incident": indicator.incident.reference},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": _case_url(indicator.incident),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("", IncidentListView.as_view(), name="home"),
    path("cases/", IncidentListView.as_view(), name="incident-list"),
    path("cases/new/", IncidentCreateView.as_view(), name="incident-create"),
    path("cases/<int:pk>/", IncidentDetailView.as_view(), name="incident-detail"),
    path("cases/<int:pk>/edit/", IncidentUpdateView.as_view(), name="incident-update"),
    path("cases/<int:pk>/delete/", incident_delete, name="incident-delete"),
    path("cases/<int:pk>/history/", incident_history, name="incident-history"),
    path("cases/<int:pk>/transition/<slug:name>/", incident_transition, name="incident-transition"),
    path("cases/<int:pk>/indicators/new/", indicator_add, name="indicator-create"),
    path("cases/<int:pk>/indicators/<int:indicator_pk>/edit/", indicator_edit, name="indicator-update"),
    path("cases/<int:pk>/indicators/<int:indicator_pk>/delete/", indicator_delete, name="indicator-delete"),
]
