"""Web pages of log sources: the list, registering and editing a source, its page (its
sealed batches, the current tree head, its latest reports, upload and "audit now"), the
upload of a batch and the download of a batch's logs.

Thin: sources and batches are found through scoping (out of reach answers 404 like
missing); writes go through garrison.logaudit.services.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from garrison.core import exports
from garrison.core.models import Person
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.logaudit.filtersets_sources import LogSourceFilter
from garrison.logaudit.forms_sources import BatchUploadForm, LogSourceForm
from garrison.logaudit.models import AuditReport, LogBatch, LogSource
from garrison.logaudit.services import audits, ingest, sealing
from garrison.logaudit.services.ingest import max_batch_megabytes
from garrison.logaudit.services.sources import change_source, create_source
from garrison.logaudit.tables_sources import (
    BATCH_QUERYSET,
    SOURCE_COLUMNS,
    SOURCE_EXPORT_COLUMNS,
    SOURCE_QUERYSET,
    with_batch_figures,
)
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.files import stored_file_response
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.lists import ListColumn, ObjectListView

# The source page shows this many batches, newest first, and this many reports.
BATCHES_SHOWN = 50
REPORTS_SHOWN = 10
MALFORMED_SHOWN = 5


def _source(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> LogSource:
    return get_object_or_404(restrict(SOURCE_QUERYSET.all(), request.user, action), pk=pk)


def _detail_url(source: LogSource) -> str:
    return reverse("logaudit:source-detail", args=[source.pk])


class SourceListView(ObjectListView):
    """Every log source the person may see."""

    model = LogSource
    queryset = with_batch_figures(SOURCE_QUERYSET)
    filterset_class = LogSourceFilter
    columns = SOURCE_COLUMNS
    search_fields = ("reference", "name", "description", "asset__name", "asset__reference")
    default_ordering = ("-asset__is_critical_system", "name")
    title = gettext_lazy("Log sources")
    empty_message = gettext_lazy("No log source matches these filters.")
    create_url_name = "logaudit:source-create"
    create_label = gettext_lazy("Register a log source")
    export_name = "log-sources"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = SOURCE_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


class SourceCreateView(ObjectFormView):
    model = LogSource
    form_class = LogSourceForm
    is_create = True
    title = gettext_lazy("Register a log source")
    cancel_url_name = "logaudit:source-list"

    def save(self, form: forms.BaseForm, obj: Any) -> models.Model:
        fields, reason = split_reason(form.cleaned_data)
        return create_source(by=self.request.user, reason=reason, **fields)

    def success_url(self, obj: models.Model) -> str:
        return reverse("logaudit:source-detail", args=[obj.pk])


class SourceEditView(ObjectFormView):
    model = LogSource
    queryset = SOURCE_QUERYSET
    form_class = LogSourceForm

    def save(self, form: forms.BaseForm, obj: Any) -> models.Model:
        fields, reason = split_reason(form.cleaned_data)
        return change_source(obj, by=self.request.user, reason=reason, **fields)

    def success_url(self, obj: models.Model) -> str:
        return reverse("logaudit:source-detail", args=[obj.pk])

    def render_form(self, obj: Any, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = {
            "object": obj,
            "form": form,
            "title": _("Edit %(source)s") % {"source": obj},
            "cancel_url": _detail_url(obj),
        }
        return render(self.request, self.template_name, context, status=status)


class SourceDetailView(ObjectDetailView):
    """A source: its asset and people, its sealed batches, its tree head and its reports."""

    model = LogSource
    queryset = SOURCE_QUERYSET
    fields = (
        ListColumn(gettext_lazy("reference"), "reference"),
        ListColumn(gettext_lazy("asset"), "asset", link="assets:asset-detail", link_arg="asset_id"),
        ListColumn(gettext_lazy("unit"), "asset.unit.name"),
        ListColumn(gettext_lazy("critical information system"), "asset.is_critical_system"),
        ListColumn(gettext_lazy("format"), "get_log_format_display"),
        ListColumn(gettext_lazy("owner"), "owner.full_name"),
        ListColumn(gettext_lazy("reviewer"), "reviewer.full_name"),
        ListColumn(gettext_lazy("weekly audit"), "audit_enabled"),
        ListColumn(gettext_lazy("description"), "description"),
        ListColumn(gettext_lazy("registered"), "created_at"),
    )
    edit_url_name = "logaudit:source-edit"
    list_url_name = "logaudit:source-list"
    template_name = "logaudit/source_detail.html"

    def get_extra_context(self, obj: LogSource) -> dict[str, Any]:
        return source_context(self.request, obj)


def source_context(
    request: HttpRequest, source: LogSource, upload_form: BatchUploadForm | None = None
) -> dict[str, Any]:
    """What the source page shows besides its fields."""
    person = request.user
    batches = restrict(BATCH_QUERYSET.filter(source=source), person, Action.VIEW)
    total = batches.count()
    try:
        tree_size, tree_head = sealing.current_tree(source)
    except ValueError:
        tree_size, tree_head = total, ""
    reports = restrict(AuditReport.objects.filter(source=source), person, Action.VIEW)
    may_change = can(person, Action.CHANGE, source)
    return {
        "source": source,
        "batches": list(batches.order_by("-sequence")[:BATCHES_SHOWN]),
        "batch_total": total,
        "batches_shown": BATCHES_SHOWN,
        "malformed_shown": MALFORMED_SHOWN,
        "tree_size": tree_size,
        "tree_head": tree_head,
        "reports": list(reports.order_by("-period_start", "-pk")[:REPORTS_SHOWN]),
        "may_change": may_change,
        "upload_form": (upload_form or BatchUploadForm()) if may_change else None,
        "upload_limit": max_batch_megabytes(),
    }


@login_required
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Seal a file of logs into the source as its next batch."""
    source = _source(request, pk, Action.CHANGE)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = ingest.ingest_batch(source, upload, filename=upload.name, by=cast(Person, request.user))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, sealed_message(batch))
            return redirect(_detail_url(source))
    context = {
        "source": source,
        "form": form,
        "title": _("Upload logs to %(source)s") % {"source": source},
        "detail_url": _detail_url(source),
        "limit": max_batch_megabytes(),
    }
    return render(request, "logaudit/source_upload.html", context, status=400 if form.errors else 200)


def sealed_message(batch: LogBatch) -> str:
    message = _("Batch %(sequence)d sealed: %(events)d events, %(malformed)d malformed lines.") % {
        "sequence": batch.sequence,
        "events": batch.event_count,
        "malformed": batch.malformed_count,
    }
    if batch.malformed_lines:
        numbers = ", ".join(str(item["line"]) for item in batch.malformed_lines[:MALFORMED_SHOWN])
        message += " " + _("Malformed lines: %(lines)s.") % {"lines": numbers}
    return message


@login_required
@require_POST
def source_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Run an audit of the source now (in the background); its report's page follows it."""
    source = _source(request, pk, Action.CHANGE)

    try:
        report = audits.request_audit(source, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_detail_url(source))
    messages.success(request, _("The audit is queued; its report follows below."))
    return redirect("logaudit:report-detail", pk=report.pk)


def batch_download_response(batch: LogBatch) -> FileResponse:
    """The batch's logs as received, under the file name they came with, with their
    SHA-256 in `X-Content-SHA256`. The caller has checked that the person may read it."""
    try:
        content = ingest.open_batch(batch)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from None
    except FileNotFoundError:
        raise Http404(_("The stored file is missing from the evidence store.")) from None
    return stored_file_response(content, filename=batch.filename, sha256=batch.sha256)


@login_required
@require_GET
def batch_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = get_object_or_404(restrict(BATCH_QUERYSET.all(), request.user, Action.VIEW), pk=pk)
    return batch_download_response(batch)


urlpatterns: list[URLPattern] = [
    path("sources/", SourceListView.as_view(), name="source-list"),
    path("sources/new/", SourceCreateView.as_view(), name="source-create"),
    path("sources/<int:pk>/", SourceDetailView.as_view(), name="source-detail"),
    path("sources/<int:pk>/edit/", SourceEditView.as_view(), name="source-edit"),
    path("sources/<int:pk>/upload/", source_upload, name="source-upload"),
    path("sources/<int:pk>/audit/", source_audit, name="source-audit"),
    path("batches/<int:pk>/download/", batch_download, name="batch-download"),
]
