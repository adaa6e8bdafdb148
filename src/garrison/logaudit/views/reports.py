"""Web pages of weekly audit reports: the list (with "awaiting my sign-off" and CSV
export), a report's page with its counts, sealed tree head, findings (triaged in place),
rules that could not run and history, and the report's actions: verify the seal, download
the matches, sign.

Thin: a report is found through scoping (so forbidden answers 404 like missing), and the
services decide: garrison.logaudit.services.triage signs, .sealing verifies.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core import exports
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, may_approve, restrict
from garrison.logaudit.filtersets_reports import ReportFilter
from garrison.logaudit.forms_findings import TriageForm
from garrison.logaudit.forms_reports import SignForm
from garrison.logaudit.models import AuditReport, ReportStatus, Triage
from garrison.logaudit.services import sealing, triage
from garrison.logaudit.tables_findings import FINDING_QUERYSET, level_rank
from garrison.logaudit.tables_reports import REPORT_COLUMNS, REPORT_EXPORT_COLUMNS, REPORT_QUERYSET
from garrison.web.details import ObjectDetailView
from garrison.web.files import stored_file_response
from garrison.web.forms import apply_service_errors
from garrison.web.lists import ListColumn, ObjectListView

MATCHES_CONTENT_TYPE = "application/x-ndjson"


def _report(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> AuditReport:
    return get_object_or_404(restrict(REPORT_QUERYSET.all(), request.user, action), pk=pk)


def report_url(pk: int, section: str = "") -> str:
    url = reverse("logaudit:report-detail", args=[pk])
    return f"{url}#{section}" if section else url


def is_open_for_triage(report: AuditReport) -> bool:
    """Findings are triaged while their report waits for its signature."""
    return report.status == ReportStatus.AWAITING_SIGN_OFF


def may_sign(person: Any, report: AuditReport) -> bool:
    """Whether to offer `person` the sign-off form: the reviewer, or one who may approve log
    audits over the source's unit (garrison.logaudit.services.triage.sign_report decides)."""
    if not is_open_for_triage(report):
        return False
    if report.reviewer_id is not None and report.reviewer_id == getattr(person, "pk", None):
        return True
    return may_approve(person, Domain.LOG_AUDIT, report.source.asset.unit.path)


# The list ------------------------------------------------------------------------------------------


class ReportListView(ObjectListView):
    """Weekly audit reports, newest week first."""

    model = AuditReport
    queryset = REPORT_QUERYSET
    filterset_class = ReportFilter
    columns = REPORT_COLUMNS
    search_fields = ("reference", "source__name", "source__reference", "source__asset__name")
    title = gettext_lazy("Audit reports")
    empty_message = gettext_lazy("No audit report matches these filters.")
    export_name = "audit-reports"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            # A file holds every count, the tree head and the sign-off too.
            self.columns = REPORT_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# A report's page -----------------------------------------------------------------------------------


class ReportDetailView(ObjectDetailView):
    """A report's page; the verify and sign actions answer with it too, showing their result."""

    model = AuditReport
    queryset = REPORT_QUERYSET.select_related("matches_file", "source__asset__unit")
    fields = (
        ListColumn(gettext_lazy("from"), "period_start"),
        ListColumn(gettext_lazy("until"), "period_end"),
        ListColumn(gettext_lazy("log source"), "source", link="logaudit:source-detail", link_arg="source_id"),
        ListColumn(
            gettext_lazy("asset"), "source.asset", link="assets:asset-detail", link_arg="source.asset_id"
        ),
        ListColumn(gettext_lazy("critical information system"), "source.asset.is_critical_system"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("reviewer"), "reviewer.full_name"),
        ListColumn(gettext_lazy("batches"), "batch_count"),
        ListColumn(gettext_lazy("events"), "event_count"),
        ListColumn(gettext_lazy("malformed lines"), "malformed_count"),
        ListColumn(gettext_lazy("matches"), "match_count"),
        ListColumn(gettext_lazy("suppressed matches"), "suppressed_count"),
        ListColumn(gettext_lazy("rules run"), "rule_count"),
        ListColumn(gettext_lazy("started"), "started_at"),
        ListColumn(gettext_lazy("finished"), "finished_at"),
        ListColumn(gettext_lazy("escalated"), "escalated_at"),
        ListColumn(gettext_lazy("signed by"), "signed_by.full_name"),
        ListColumn(gettext_lazy("signed"), "signed_at"),
        ListColumn(gettext_lazy("sign-off note"), "sign_note"),
    )
    list_url_name = "logaudit:report-list"
    template_name = "logaudit/report_detail.html"

    def get_extra_context(self, obj: AuditReport) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        is_open = is_open_for_triage(obj)
        findings = sorted(
            restrict(FINDING_QUERYSET.filter(report=obj), person, Action.VIEW),
            key=lambda finding: (-level_rank(finding.level), finding.title, finding.pk),
        )
        may_triage = may_change and is_open
        return {
            "report": obj,
            "findings": findings,
            "untriaged_count": sum(1 for finding in findings if finding.triage == Triage.UNTRIAGED),
            "may_triage": may_triage,
            "triage_choices": TriageForm.base_fields["triage"].choices,  # type: ignore[attr-defined]
            "sign_form": SignForm() if may_sign(person, obj) else None,
            "seal_check": None,
            "findings_url": f"{reverse('logaudit:finding-list')}?report={obj.pk}",
        }


def render_report(
    request: HttpRequest, report: AuditReport, status: int = 200, **context: Any
) -> HttpResponse:
    """The report's page with `context` in place of the defaults (a sign form with its
    errors, the result of a seal check)."""
    view = ReportDetailView()
    view.setup(request, pk=report.pk)
    data = view.get_context_data(report)
    data.update(context)
    return render(request, view.template_name, data, status=status)


# Actions -------------------------------------------------------------------------------------------


@login_required
@require_POST
def report_sign(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Sign the report with a note; the service refuses while a finding is untriaged, or
    when the person is neither its reviewer nor one who may sign in their stead."""
    report = _report(request, pk)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            triage.sign_report(report, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The report %(report)s is signed.") % {"report": report.reference})
            return redirect(report_url(report.pk))
    return render_report(request, report, status=400, sign_form=form)


@login_required
@require_POST
def report_verify(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Check that the stored logs behind the report still hash to its sealed tree head."""
    report = _report(request, pk)
    check = sealing.verify_report(report)
    return render_report(request, report, seal_check=check)


@login_required
def report_matches(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Every match of the audit, one JSON object a line."""
    report = _report(request, pk)
    stored = report.matches_file
    if stored is None:
        raise Http404(_("This report has no matches file."))
    try:
        content = default_storage.open(stored.storage_name, "rb")
    except FileNotFoundError:
        return HttpResponse(_("The matches file is missing from the store."), status=410)
    response = stored_file_response(
        content,
        filename=f"{report.reference}-matches.jsonl",
        sha256=stored.sha256,
        content_type=MATCHES_CONTENT_TYPE,
    )
    response["Content-Length"] = str(stored.size)
    return response


urlpatterns: list[URLPattern] = [
    path("reports/", ReportListView.as_view(), name="report-list"),
    path("reports/<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/sign/", report_sign, name="report-sign"),
    path("reports/<int:pk>/matches/", report_matches, name="report-matches"),
    path("reports/<int:pk>/verify/", report_verify, name="report-verify"),
]
