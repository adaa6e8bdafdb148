"""The incident metrics page and its CSV/XLSX export: count and mean times to detect,
contain and resolve, by month of discovery, category or grade, over the cases the person
may see (false positives left out)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core import exports
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.incidents.forms_reviews import MetricsFilterForm
from garrison.incidents.models import Incident
from garrison.incidents.services.metrics import metric_lines

COLUMNS = (
    exports.Column(gettext_lazy("group"), "label"),
    exports.Column(gettext_lazy("cases"), "count"),
    exports.Column(gettext_lazy("mean hours to detect"), "mean_hours_to_detect"),
    exports.Column(gettext_lazy("mean hours to contain"), "mean_hours_to_contain"),
    exports.Column(gettext_lazy("mean hours to resolve"), "mean_hours_to_resolve"),
)


def _filters(request: HttpRequest) -> MetricsFilterForm:
    if not has_grant(request.user, Domain.INCIDENTS, Action.VIEW):
        raise Http404
    return MetricsFilterForm(request.GET or None)


def _query(form: MetricsFilterForm) -> tuple[str, dt.date | None, dt.date | None]:
    """The grouping and the range of a valid (or unbound) filter form."""
    if not form.is_bound:
        return "month", None, None
    data = form.cleaned_data
    return str(data["group"]), data.get("from"), data.get("to")


@login_required
def metrics_page(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    if form.is_bound and not form.is_valid():
        return render(
            request, "incidents/metrics.html", {"form": form, "lines": [], "total": None}, status=400
        )
    grouping, start, end = _query(form)
    lines, total = metric_lines(request.user, grouping, start=start, end=end)
    parameters = {key: str(request.GET[key]) for key in ("group", "from", "to") if request.GET.get(key)}
    context = {
        "form": form,
        "lines": lines,
        "total": total,
        "grouping": grouping,
        "export_query": urlencode(parameters),
    }
    return render(request, "incidents/metrics.html", context)


@login_required
def metrics_export(request: HttpRequest) -> HttpResponseBase:
    """The metrics as a CSV or XLSX file (`?format=csv|xlsx` with the page's filters)."""
    form = _filters(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        raise Http404
    if not form.is_valid() and form.is_bound:
        return HttpResponse(
            " ".join(str(error) for errors in form.errors.values() for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    grouping, start, end = _query(form)
    lines, total = metric_lines(request.user, grouping, start=start, end=end)
    rows = [*lines, total]
    exports.record_export(
        Incident,
        by=request.user,
        file_format=file_format,
        filters=exports.filters_from(request.GET, keep={"group", "from", "to"}),
        rows=total.count,
    )
    filename = exports.filename_for(f"incident-metrics-{grouping}", file_format)
    if file_format == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            exports.csv_lines(COLUMNS, rows), content_type=exports.CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    exports.write_xlsx(COLUMNS, rows, target, title=_("Incident metrics"))
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=exports.XLSX_CONTENT_TYPE)


urlpatterns: list[URLPattern] = [
    path("metrics/", metrics_page, name="metrics"),
    path("metrics/export/", metrics_export, name="metrics-export"),
]
