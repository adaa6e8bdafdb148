"""Web pages of log-audit findings: the list (with CSV export), a finding's page with the
rule that raised it (its author always named: the Detection Rule License asks for it), the
sample events, the triage form and the one-step "Open incident".

Thin: a finding is found through scoping (so forbidden answers 404 like missing), and
garrison.logaudit.services.triage makes every change. Triage from the report's page is
an HTMX request answered with the finding's table row; without JavaScript the same form
posts and comes back to the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from garrison.core import exports
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.incidents.models import Incident
from garrison.logaudit.filtersets_findings import FindingListFilter
from garrison.logaudit.forms_findings import TriageForm
from garrison.logaudit.models import AuditFinding, Triage
from garrison.logaudit.services import triage
from garrison.logaudit.tables_findings import (
    FINDING_COLUMNS,
    FINDING_EXPORT_COLUMNS,
    FINDING_QUERYSET,
    account_labels,
)
from garrison.logaudit.views.reports import is_open_for_triage, report_url
from garrison.web.details import ObjectDetailView
from garrison.web.forms import apply_service_errors, render_form_page
from garrison.web.lists import ListColumn, ObjectListView

# Where the triage form was sent from: the report's findings table comes back to it.
FROM_REPORT = "report"
INCIDENT_TRIAGES = frozenset({Triage.UNTRIAGED, Triage.TRUE_POSITIVE})


def _finding(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> AuditFinding:
    return get_object_or_404(restrict(FINDING_QUERYSET.all(), request.user, action), pk=pk)


def finding_url(pk: int, section: str = "") -> str:
    url = reverse("logaudit:finding-detail", args=[pk])
    return f"{url}#{section}" if section else url


def may_open_incident(finding: AuditFinding) -> bool:
    return finding.incident_id is None and finding.triage in INCIDENT_TRIAGES


# The list ------------------------------------------------------------------------------------------


class FindingListView(ObjectListView):
    """Findings of weekly audits, newest report first, most severe first within it."""

    model = AuditFinding
    queryset = FINDING_QUERYSET
    filterset_class = FindingListFilter
    columns = FINDING_COLUMNS
    search_fields = ("title", "rule__rule_id", "accounts", "change_ticket")
    default_ordering = ("-report__period_start", "-level_rank", "title")
    title = pgettext_lazy("log audit", "Findings")
    empty_message = gettext_lazy("No finding matches these filters.")
    export_name = "log-audit-findings"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = FINDING_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# A finding's page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleEvent:
    batch: Any
    line: Any
    text: str


def sample_events(finding: AuditFinding) -> list[SampleEvent]:
    """The kept sample events, each pretty-printed, with the batch and line it came from."""
    samples = []
    for sample in finding.samples or []:
        if not isinstance(sample, dict):
            continue
        event = sample.get("event", sample)
        text = json.dumps(event, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        samples.append(SampleEvent(sample.get("batch"), sample.get("line"), text))
    return samples


class FindingDetailView(ObjectDetailView):
    model = AuditFinding
    queryset = FINDING_QUERYSET
    fields = (
        ListColumn(gettext_lazy("report"), "report", link="logaudit:report-detail", link_arg="report_id"),
        ListColumn(gettext_lazy("from"), "report.period_start"),
        ListColumn(gettext_lazy("until"), "report.period_end"),
        ListColumn(gettext_lazy("asset"), "asset", link="assets:asset-detail", link_arg="asset_id"),
        ListColumn(gettext_lazy("level"), "level"),
        ListColumn(gettext_lazy("matches"), "match_count"),
        ListColumn(gettext_lazy("first match"), "first_match_at"),
        ListColumn(gettext_lazy("last match"), "last_match_at"),
        ListColumn(gettext_lazy("triage"), "get_triage_display"),
        ListColumn(gettext_lazy("change ticket"), "change_ticket"),
        ListColumn(gettext_lazy("triage note"), "triage_note"),
        ListColumn(gettext_lazy("triaged by"), "triaged_by.full_name"),
        ListColumn(gettext_lazy("triaged"), "triaged_at"),
    )
    list_url_name = "logaudit:finding-list"
    template_name = "logaudit/finding_detail.html"

    def get_context_data(self, obj: AuditFinding) -> dict[str, Any]:
        context = super().get_context_data(obj)
        context["title"] = obj.title
        return context

    def get_extra_context(self, obj: AuditFinding) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        incident = None
        if obj.incident_id is not None:
            incident = restrict(Incident.objects.filter(pk=obj.incident_id), person, Action.VIEW).first()
        return {
            "finding": obj,
            "rule": obj.rule,
            "accounts": account_labels(obj.accounts),
            "samples": sample_events(obj),
            "triage_form": triage_form_for(obj) if may_change and is_open_for_triage(obj.report) else None,
            "may_open_incident": may_change and may_open_incident(obj),
            "incident": incident,
        }


def triage_form_for(finding: AuditFinding, data: Any = None) -> TriageForm:
    initial = {}
    if finding.triage != Triage.UNTRIAGED:
        initial = {
            "triage": finding.triage,
            "change_ticket": finding.change_ticket,
            "note": finding.triage_note,
        }
    return TriageForm(data, initial=initial)


# Triage and incident -------------------------------------------------------------------------------


def _row(request: HttpRequest, finding: AuditFinding, form: TriageForm | None = None) -> HttpResponse:
    """The finding's row of the report's table, for HTMX to put in place of the old one."""
    fresh = restrict(FINDING_QUERYSET.all(), request.user, Action.VIEW).get(pk=finding.pk)
    context = {
        "finding": fresh,
        "may_triage": is_open_for_triage(fresh.report),
        "triage_choices": TriageForm.base_fields["triage"].choices,  # type: ignore[attr-defined]
        "row_form": form,
    }
    return render(request, "logaudit/finding_row.html", context)


@login_required
def finding_triage(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Triage a finding: true positive, expected operation (with its change ticket) or false
    positive, with a note."""
    finding = _finding(request, pk, Action.CHANGE)
    htmx = bool(getattr(request, "htmx", False))
    from_report = request.POST.get("from", "") == FROM_REPORT
    form = triage_form_for(finding, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            triage.triage_finding(
                finding,
                by=request.user,
                triage=form.cleaned_data["triage"],
                change_ticket=form.cleaned_data["change_ticket"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if htmx:
                return _row(request, finding)
            messages.success(request, _("The finding is triaged."))
            if from_report:
                return redirect(report_url(finding.report_id, f"finding-{finding.pk}"))
            return redirect(finding_url(finding.pk))
    if htmx and request.method == "POST":
        # HTMX swaps only successful answers: the row comes back with the form's errors in it.
        return _row(request, finding, form)
    title = _("Triage %(finding)s") % {"finding": finding.title}
    cancel = (
        report_url(finding.report_id, f"finding-{finding.pk}") if from_report else finding_url(finding.pk)
    )
    return render_form_page(request, form, title=title, cancel_url=cancel)


@login_required
@require_POST
def finding_incident(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Open an incident from the finding in one step and go to it."""
    finding = _finding(request, pk, Action.CHANGE)
    try:
        incident = triage.open_incident(finding, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(finding_url(finding.pk))
    messages.success(request, _("Incident %(incident)s is open.") % {"incident": incident.reference})
    return redirect(reverse("incidents:incident-detail", args=[incident.pk]))


urlpatterns: list[URLPattern] = [
    path("findings/", FindingListView.as_view(), name="finding-list"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="finding-detail"),
    path("findings/<int:pk>/triage/", finding_triage, name="finding-triage"),
    path("findings/<int:pk>/incident/", finding_incident, name="finding-incident"),
]
