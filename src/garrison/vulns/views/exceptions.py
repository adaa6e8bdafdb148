"""Web pages of finding exceptions: the list, an exception's page with its decision, the
request form reached from a finding, and the decision buttons.

Thin: objects are found through scoping (out of reach answers 404 like missing) and
every write goes through garrison.vulns.services.exceptions, which says who may decide.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.vulns.forms_exceptions import DecisionForm, ExceptionRequestForm
from garrison.vulns.models import ExceptionStatus, Finding, FindingException
from garrison.vulns.services import exceptions as services
from garrison.vulns.tables_exceptions import (
    EXCEPTION_COLUMNS,
    EXCEPTION_QUERYSET,
    FindingColumn,
    FindingExceptionFilter,
)
from garrison.vulns.workflows_exceptions import ExceptionWorkflow
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

DECISIONS = {
    "approve": (services.approve_exception, gettext_lazy("The exception is approved.")),
    "reject": (services.reject_exception, gettext_lazy("The exception is rejected.")),
    "withdraw": (services.withdraw_exception, gettext_lazy("The request is withdrawn.")),
}


class ExceptionListView(ObjectListView):
    """Exceptions to the remediation of findings: requests waiting for a decision, accepted
    risks with their expiry, false positives."""

    model = FindingException
    queryset = EXCEPTION_QUERYSET
    filterset_class = FindingExceptionFilter
    columns = EXCEPTION_COLUMNS
    search_fields = ("finding__title", "finding__cve", "justification")
    default_ordering = ("-requested_at",)
    title = gettext_lazy("Finding exceptions")
    empty_message = gettext_lazy(
        "No exceptions match these filters. Ask for one on a finding's page when it cannot be fixed in time."
    )
    export_name = "finding-exceptions"


class FindingExceptionDetailView(ObjectDetailView):
    """An exception's page: what was asked, why, the decision, and the buttons for those who
    may approve, reject or withdraw it."""

    model = FindingException
    queryset = EXCEPTION_QUERYSET
    template_name = "vulns/exception_detail.html"
    list_url_name = "vulns:exception-list"
    fields = (
        FindingColumn(pgettext_lazy("vulnerability", "finding"), "finding"),
        ListColumn(gettext_lazy("severity"), "finding.get_severity_display"),
        ListColumn(gettext_lazy("finding status"), "finding.get_status_display"),
        ListColumn(gettext_lazy("due"), "finding.due_on"),
        ListColumn(gettext_lazy("exception"), "get_kind_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("expires on"), "expires_on"),
        ListColumn(gettext_lazy("accepted risk"), "risk", link="risks:risk-detail", link_arg="risk_id"),
        ListColumn(gettext_lazy("requested by"), "requested_by.full_name"),
        ListColumn(gettext_lazy("requested at"), "requested_at"),
        ListColumn(gettext_lazy("decided by"), "decided_by.full_name"),
        ListColumn(gettext_lazy("decided at"), "decided_at"),
        ListColumn(gettext_lazy("comment"), "decision_comment"),
    )

    def get_context_data(self, obj: Any) -> dict[str, Any]:
        context = super().get_context_data(obj)
        # The page changes nothing by itself; decisions have their own buttons.
        context["may_change"] = False
        context["edit_url"] = None
        context["responsibility_add_url"] = None
        return context

    def get_extra_context(self, obj: Any) -> dict[str, Any]:
        decisions = [
            transition.name
            for transition in ExceptionWorkflow.allowed_transitions(obj, self.request.user)
            if transition.name in DECISIONS
        ]
        return {
            "finding_url": object_url("vulns.finding", obj.finding_id),
            "decisions": decisions,
            "decision_form": DecisionForm(prefix="decision") if decisions else None,
            "is_waiting": obj.status == ExceptionStatus.REQUESTED,
        }


@login_required
def exception_request(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Ask for an exception to the remediation of a finding (needs the right to change it)."""
    finding = get_object_or_404(
        restrict(Finding.objects.select_related("unit", "asset"), request.user, Action.CHANGE), pk=pk
    )
    form = ExceptionRequestForm(request.POST or None, person=request.user)
    finding_url = object_url("vulns.finding", finding.pk) or reverse("vulns:finding-list")
    if request.method == "POST" and form.is_valid():
        try:
            exception = services.request_exception(finding, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The exception is requested; the people who may decide are told."))
            return redirect("vulns:findingexception-detail", pk=exception.pk)
    context = {
        "title": _("Ask for an exception: %(finding)s") % {"finding": finding},
        "finding": finding,
        "form": form,
        "cancel_url": finding_url,
    }
    return render(request, "vulns/exception_request.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def exception_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve, reject or withdraw a request; the service says who may."""
    if decision not in DECISIONS:
        raise Http404
    exception = get_object_or_404(restrict(EXCEPTION_QUERYSET.all(), request.user, Action.VIEW), pk=pk)
    form = DecisionForm(request.POST, prefix="decision")
    decide, done = DECISIONS[decision]
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("comment", [])))
    else:
        try:
            decide(exception, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, str(done))
    return redirect("vulns:findingexception-detail", pk=exception.pk)


urlpatterns: list[URLPattern] = [
    path("exceptions/", ExceptionListView.as_view(), name="exception-list"),
    path("exceptions/<int:pk>/", FindingExceptionDetailView.as_view(), name="findingexception-detail"),
    path("exceptions/<int:pk>/<str:decision>/", exception_decide, name="exception-decide"),
    path("findings/<int:pk>/exception/", exception_request, name="exception-request"),
]
