"""Pages of reporting: the organisation's reporting profile and its own rules
(Administrators change them, everyone in incidents reads them), the reports drafted from
a case with their PDF, and the communications log.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, restrict
from garrison.incidents import obligations as rules
from garrison.incidents.forms_reporting import (
    CommunicationForm,
    CustomReportingRuleForm,
    IncidentReportForm,
    ReportingProfileForm,
)
from garrison.incidents.models import CustomReportingRule, IncidentReport, ReportKind
from garrison.incidents.reports_pdf import report_pdf_response, sections
from garrison.incidents.services import communications as communication_services
from garrison.incidents.services import profile as profile_services
from garrison.incidents.services import reports as report_services
from garrison.incidents.services import rules as rule_services
from garrison.incidents.views.obligations import case_of, case_url, form_page
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.lists import ListColumn, ObjectListView


def _require_incidents_reader(request: HttpRequest) -> None:
    if not has_grant(request.user, Domain.INCIDENTS, Action.VIEW):
        raise Http404


# The profile -----------------------------------------------------------------------------------


@login_required
def reporting_profile(request: HttpRequest) -> HttpResponseBase:
    """The operator profile and the bodies reported to; the form for Administrators."""
    _require_incidents_reader(request)
    profile = profile_services.get_profile()
    may_change = profile_services.may_change_profile(request.user)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = None
    if may_change:
        form = ReportingProfileForm(
            request.POST if request.method == "POST" else None, instance=copy.copy(profile)
        )
        if request.method == "POST" and form.is_valid():
            fields, reason = split_reason(form.cleaned_data)
            try:
                profile_services.update_profile(by=request.user, reason=reason, **fields)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The reporting profile is saved; open cases are recomputed."))
                return redirect("incidents:reporting-profile")
    names = profile_services.recipient_names(profile)
    recipients = [
        (profile_services.generic_recipient_name(key), names.get(key, "")) for key in rules.RECIPIENT_NAMES
    ]
    context = {
        "title": _("Reporting profile"),
        "profile": profile,
        "form": form,
        "recipients": recipients,
        "rules": rules.RULES,
        "custom_rules": CustomReportingRule.objects.order_by("name"),
        "may_change": may_change,
    }
    return render(
        request, "incidents/reporting_profile.html", context, status=400 if form and form.errors else 200
    )


# The organisation's own rules ------------------------------------------------------------------


class ReportingRuleListView(ObjectListView):
    model = CustomReportingRule
    columns = (
        ListColumn(gettext_lazy("name"), "name", sort_key="name", link="incidents:reporting-rule-update"),
        ListColumn(gettext_lazy("recipient"), "recipient", sort_key="recipient"),
        ListColumn(gettext_lazy("from grade"), "get_minimum_grade_display", sort_key="minimum_grade"),
        ListColumn(
            gettext_lazy("deadline (hours after discovery)"), "deadline_hours", sort_key="deadline_hours"
        ),
        ListColumn(
            gettext_lazy("only when personal information is leaked, tampered with or lost"),
            "only_with_personal_information_breach",
        ),
        ListColumn(gettext_lazy("active"), "is_active", sort_key="is_active"),
    )
    search_fields = ("name", "recipient")
    default_ordering = ("name",)
    title = gettext_lazy("Organisation's reporting rules")
    empty_message = gettext_lazy("The organisation has added no reporting rule of its own.")
    create_url_name = "incidents:reporting-rule-create"
    create_label = gettext_lazy("Add rule")
    export_name = "reporting-rules"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_incidents_reader(request)
        return super().get(request, *args, **kwargs)

    def may_create(self) -> bool:
        return rule_services.may_add_rule(self.request.user)


def _rule_form_page(request: HttpRequest, rule: CustomReportingRule | None) -> HttpResponseBase:
    form = CustomReportingRuleForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(rule) if rule else None
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            if rule is None:
                rule_services.create_rule(by=request.user, reason=reason, **fields)
            else:
                rule_services.update_rule(rule, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The rule is saved; open cases are recomputed."))
            return redirect("incidents:reporting-rule-list")
    title = _("New reporting rule") if rule is None else _("Edit %(rule)s") % {"rule": rule}
    return form_page(request, form, title=title, cancel_url=reverse("incidents:reporting-rule-list"))


@login_required
def reporting_rule_create(request: HttpRequest) -> HttpResponseBase:
    if not rule_services.may_add_rule(request.user):
        raise Http404
    return _rule_form_page(request, None)


@login_required
def reporting_rule_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    rule = get_object_or_404(restrict(CustomReportingRule.objects.all(), request.user, Action.CHANGE), pk=pk)
    return _rule_form_page(request, rule)


# Reports ---------------------------------------------------------------------------------------


def _report(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> IncidentReport:
    queryset = IncidentReport.objects.select_related("incident", "incident__unit", "created_by")
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


@login_required
def report_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Draft a report of the kind asked for (`?kind=initial|supplementary|final`) from the case."""
    incident = case_of(request, pk, Action.CHANGE)
    kind = request.GET.get("kind") or request.POST.get("kind") or ReportKind.INITIAL
    if kind not in ReportKind.values:
        raise Http404
    if request.method != "POST":
        context = {
            "title": _("Draft a report for %(case)s") % {"case": incident.reference},
            "question": _(
                "Draft the %(kind)s from what the case records now? You complete it before sending."
            )
            % {"kind": ReportKind(kind).label.lower()},
            "form": None,
            "confirm_label": _("Draft"),
            "cancel_url": case_url(incident),
        }
        return render(request, "web/confirm.html", context)
    report = report_services.draft_report(incident, kind=kind, by=request.user)
    messages.success(request, _("The report is drafted from the case; complete it before sending."))
    return redirect("incidents:report-update", pk=report.pk)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    context = {
        "title": f"{report.incident.reference} — {report.get_kind_display()}",
        "report": report,
        "incident": report.incident,
        "sections": sections(report),
        "may_change": can(request.user, Action.CHANGE, report.incident),
        "case_url": case_url(report.incident),
        "submissions": report.submissions.order_by("-sent_at"),
    }
    return render(request, "incidents/report_detail.html", context)


@login_required
def report_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = _report(request, pk, Action.CHANGE)
    form = IncidentReportForm(request.POST if request.method == "POST" else None, instance=copy.copy(report))
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            report_services.update_report(report, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The report is saved."))
            return redirect("incidents:report-detail", pk=report.pk)
    return form_page(
        request,
        form,
        title=_("Edit %(report)s") % {"report": report},
        cancel_url=reverse("incidents:report-detail", args=[report.pk]),
        intro=_(
            "Leave the cause or the impact blank while unknown: the report is then sent as a first, "
            "partial report."
        ),
    )


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return report_pdf_response(_report(request, pk), by=request.user)


# Communications --------------------------------------------------------------------------------


@login_required
def communication_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = case_of(request, pk, Action.CHANGE)
    form: forms.BaseForm = CommunicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            communication_services.log_communication(incident, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The communication is logged."))
            return redirect(case_url(incident))
    return form_page(
        request,
        form,
        title=_("Log a communication for %(case)s") % {"case": incident.reference},
        cancel_url=case_url(incident),
    )


urlpatterns: list[URLPattern] = [
    path("reporting/profile/", reporting_profile, name="reporting-profile"),
    path("reporting/rules/", ReportingRuleListView.as_view(), name="reporting-rule-list"),
    path("reporting/rules/new/", reporting_rule_create, name="reporting-rule-create"),
    path("reporting/rules/<int:pk>/edit/", reporting_rule_update, name="reporting-rule-update"),
    path("cases/<int:pk>/reports/new/", report_create, name="report-create"),
    path("reports/<int:pk>/", report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", report_update, name="report-update"),
    path("reports/<int:pk>/pdf/", report_pdf, name="report-pdf"),
    path("cases/<int:pk>/communications/new/", communication_create, name="communication-create"),
]
