"""Web pages of scan imports: the list, the upload form, an import's page (which follows a
running import through a partial it polls every second) and the download of the file.

Thin: imports are found through scoping (out of reach answers 404 like missing) and the
upload goes through garrison.vulns.services.importing.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from garrison.core import exports
from garrison.core.models import Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.vulns.forms_imports import ScanImportForm, upload_limit_megabytes
from garrison.vulns.models import FINISHED_IMPORT_STATUSES, ImportStatus, ScanImport
from garrison.vulns.services import importing
from garrison.vulns.tables_imports import IMPORT_COLUMNS, IMPORT_EXPORT_COLUMNS, IMPORT_QUERYSET, ImportFilter
from garrison.web.details import ObjectDetailView
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors
from garrison.web.lists import ListColumn, ObjectListView

# How often the page of a running import asks for its progress.
POLL_SECONDS = 1


def _scan_import(request: HttpRequest, pk: int) -> ScanImport:
    return get_object_or_404(restrict(IMPORT_QUERYSET.all(), request.user, Action.VIEW), pk=pk)


def progress_context(scan_import: ScanImport) -> dict[str, Any]:
    """What the progress partial shows: status and percentage while running, then the counts."""
    finished = scan_import.status in FINISHED_IMPORT_STATUSES
    counts = [
        (_("New"), scan_import.new_count),
        (_("Still open"), scan_import.open_count),
        (_("Reopened"), scan_import.reopened_count),
        (_("Fixed"), scan_import.fixed_count),
        (_("Unchanged"), scan_import.unchanged_count),
        (_("Rejected records"), scan_import.rejected_count),
        (_("Hosts"), scan_import.host_count),
        (_("Discovered assets"), scan_import.discovered_asset_count),
    ]
    return {
        "scan_import": scan_import,
        "is_finished": finished,
        "is_done": scan_import.status == ImportStatus.DONE,
        "is_failed": scan_import.status == ImportStatus.FAILED,
        "counts": counts,
        "rejections": scan_import.rejections or [],
        "progress_url": reverse("vulns:import-progress", args=[scan_import.pk]),
        "poll_seconds": POLL_SECONDS,
    }


class ImportListView(ObjectListView):
    """Every import the person may see, newest first."""

    model = ScanImport
    queryset = IMPORT_QUERYSET
    filterset_class = ImportFilter
    columns = IMPORT_COLUMNS
    search_fields = ("reference", "filename", "scan_scope")
    default_ordering = ("-created_at",)
    title = gettext_lazy("Scan imports")
    empty_message = gettext_lazy("No import matches these filters.")
    create_url_name = "vulns:import-create"
    create_label = gettext_lazy("Upload a scan")
    export_name = "scan-imports"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in exports.FORMATS:
            self.columns = IMPORT_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


@login_required
def import_create(request: HttpRequest) -> HttpResponse:
    """Upload a scanner file; the import runs in the background and its page follows it."""
    if not has_grant(request.user, Domain.VULNERABILITIES, Action.ADD):
        raise Http404
    form = ScanImportForm(request.POST or None, request.FILES or None, person=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            scan_import = importing.start_import(
                upload,
                filename=upload.name,
                by=cast(Person, request.user),
                unit=data["unit"],
                requested_format=data["format"],
                scan_scope=data["scan_scope"],
                penetration_test=data["penetration_test"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The file is uploaded; its import follows below."))
            return redirect("vulns:scanimport-detail", pk=scan_import.pk)
    context = {
        "form": form,
        "title": _("Upload a scan"),
        "list_url": reverse("vulns:import-list"),
        "limit": upload_limit_megabytes(),
    }
    return render(request, "vulns/import_form.html", context, status=400 if form.errors else 200)


class ImportDetailView(ObjectDetailView):
    """An import: what was uploaded, for which unit and scope, and what it changed."""

    model = ScanImport
    queryset = IMPORT_QUERYSET
    fields = (
        ListColumn(gettext_lazy("file name"), "filename"),
        ListColumn(gettext_lazy("format"), "get_requested_format_display"),
        ListColumn(gettext_lazy("detected format"), "get_detected_format_display"),
        ListColumn(gettext_lazy("scan scope"), "scan_scope"),
        ListColumn(gettext_lazy("unit"), "unit.name"),
        ListColumn(
            gettext_lazy("penetration test"),
            "penetration_test",
            link="vulns:penetrationtest-detail",
            link_arg="penetration_test_id",
        ),
        ListColumn(gettext_lazy("size (bytes)"), "size"),
        ListColumn(gettext_lazy("imported by"), "created_by.full_name"),
        ListColumn(gettext_lazy("uploaded"), "created_at"),
        ListColumn(gettext_lazy("started"), "started_at"),
        ListColumn(gettext_lazy("finished"), "finished_at"),
    )
    list_url_name = "vulns:import-list"
    template_name = "vulns/import_detail.html"

    def get_extra_context(self, obj: ScanImport) -> dict[str, Any]:
        return {
            **progress_context(obj),
            "file_url": reverse("vulns:import-file", args=[obj.pk]) if obj.source_file_id else None,
        }


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's status, progress and, once finished, its summary (an HTMX partial)."""
    scan_import = _scan_import(request, pk)
    return render(request, "vulns/import_progress.html", progress_context(scan_import))


@login_required
@require_GET
def import_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The uploaded scanner file, as it was received."""
    scan_import = _scan_import(request, pk)
    if scan_import.source_file is None:
        raise Http404
    return attachment_download(scan_import.source_file)


urlpatterns: list[URLPattern] = [
    path("imports/", ImportListView.as_view(), name="import-list"),
    path("imports/new/", import_create, name="import-create"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="scanimport-detail"),
    path("imports/<int:pk>/progress/", import_progress, name="import-progress"),
    path("imports/<int:pk>/file/", import_file, name="import-file"),
]
