"""Pages of the reporting clocks: the deadlines list (what is due in the next 24 hours
and what is overdue, over every case the person may see), recording a submission,
waiving an obligation and adding a supplementary one.

Thin: cases and obligations are found through scoping (out of reach answers 404), and
every write goes through the reporting services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.filtersets_reporting import DeadlineWindowFilter
from garrison.incidents.forms_reporting import SubmissionForm, SupplementaryObligationForm, WaiveForm
from garrison.incidents.models import Incident, ObligationStatus, ReportingObligation
from garrison.incidents.services import obligations as obligation_services
from garrison.incidents.services import submissions as submission_services
from garrison.incidents.tables_reporting import DEADLINE_COLUMNS, DEADLINE_EXPORT_COLUMNS
from garrison.web.forms import apply_service_errors
from garrison.web.lists import ObjectListView

FORM_TEMPLATE = "incidents/reporting_form.html"


def case_of(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Incident:
    return get_object_or_404(
        restrict(Incident.objects.select_related("unit", "handler"), request.user, action), pk=pk
    )


def case_url(incident: Incident) -> str:
    return reverse("incidents:incident-detail", args=[incident.pk])


def form_page(
    request: HttpRequest, form: Any, *, title: Any, cancel_url: str, intro: str = ""
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel_url, "intro": intro}
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


class ObligationDueListView(ObjectListView):
    """Reporting deadlines: pending obligations due soon, and the overdue ones, soonest first."""

    model = ReportingObligation
    queryset = ReportingObligation.objects.filter(
        status=ObligationStatus.PENDING, due_at__isnull=False
    ).select_related("incident", "incident__handler", "incident__unit")
    filterset_class = DeadlineWindowFilter
    columns = DEADLINE_COLUMNS
    search_fields = ("incident__reference", "incident__title", "recipient")
    default_ordering = ("due_at",)
    title = gettext_lazy("Reporting deadlines")
    empty_message = gettext_lazy("No report is due in this window.")
    export_name = "reporting-deadlines"
    template_name = "incidents/obligation_due_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = DEADLINE_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)

    def get_extra_context(self, page: Page[Any]) -> dict[str, Any]:
        return {"profile_url": reverse("incidents:reporting-profile")}


@login_required
def submission_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Record a report sent for the case, against one of its obligations if named."""
    incident = case_of(request, pk, Action.CHANGE)
    obligation = None
    wanted = request.GET.get("obligation", "")
    if wanted.isascii() and wanted.isdigit() and len(wanted) <= 18:
        obligation = incident.obligations.filter(pk=wanted).first()
    initial: dict[str, Any] = {}
    if obligation is not None:
        initial = {"obligation": obligation.pk, "recipient": _(obligation.recipient)}
    form = SubmissionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        incident=incident,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission_services.record_submission(
                incident,
                by=request.user,
                recipient=data["recipient"],
                channel=data["channel"],
                sent_at=data["sent_at"],
                obligation=data["obligation"],
                receipt=data["receipt"],
                upload=data["file"],
                report=data["report"],
                notes=data["notes"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The submission is recorded."))
            return redirect(case_url(incident))
    return form_page(
        request,
        form,
        title=_("Record a submission for %(case)s") % {"case": incident.reference},
        cancel_url=case_url(incident),
        intro=_(
            "What was sent, to whom, when, and the receipt: this is what proves the case was "
            "reported on time."
        ),
    )


def _obligation(request: HttpRequest, pk: int) -> ReportingObligation:
    queryset = ReportingObligation.objects.select_related("incident")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def obligation_waive(request: HttpRequest, pk: int) -> HttpResponseBase:
    obligation = _obligation(request, pk)
    form = WaiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            obligation_services.waive_obligation(
                obligation, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The obligation is waived."))
            return redirect(case_url(obligation.incident))
    return form_page(
        request,
        form,
        title=_("Waive: %(obligation)s") % {"obligation": obligation},
        cancel_url=case_url(obligation.incident),
    )


@login_required
def supplementary_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = case_of(request, pk, Action.CHANGE)
    form = SupplementaryObligationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obligation_services.add_supplementary_obligation(
                incident,
                by=request.user,
                recipient=data["recipient"],
                due_at=data["due_at"],
                content=data["content"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The supplementary report is added to the obligations."))
            return redirect(case_url(incident))
    return form_page(
        request,
        form,
        title=_("Supplementary report for %(case)s") % {"case": incident.reference},
        cancel_url=case_url(incident),
        intro=_(
            "When material new facts emerge, the recipients of the initial report are told in a "
            "supplementary report."
        ),
    )


urlpatterns: list[URLPattern] = [
    path("reporting/deadlines/", ObligationDueListView.as_view(), name="obligation-due-list"),
    path("cases/<int:pk>/submissions/new/", submission_create, name="submission-create"),
    path("obligations/<int:pk>/waive/", obligation_waive, name="obligation-waive"),
    path(
        "cases/<int:pk>/obligations/supplementary/new/",
        supplementary_create,
        name="obligation-supplementary-create",
    ),
]
