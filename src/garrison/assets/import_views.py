"""Web pages of the inventory import: upload a file, read the preview, commit.

The uploaded file is kept in the evidence store (garrison.core.services.files) between
the preview and the commit, so the two steps may be answered by different processes,
or either side of a restart; it stays there as the record of what was imported.
Only the person who uploaded a file may preview or commit it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from garrison.assets import services
from garrison.assets.forms import ImportUploadForm
from garrison.assets.services.imports import ImportPreview
from garrison.core.models import Attachment, Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.core.services.files import open_file, store_file

ROWS_SHOWN = 200


def _require_may_import(request: HttpRequest) -> None:
    if not has_grant(request.user, Domain.ASSETS, Action.ADD):
        raise Http404


@login_required
def asset_import(request: HttpRequest) -> HttpResponseBase:
    """Upload an inventory file; the next page previews it."""
    _require_may_import(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    person = request.user
    assert isinstance(person, Person)  # login_required
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        attachment = store_file(
            upload,
            filename=upload.name,
            by=person,
            unit=person.unit,
            content_type=upload.content_type or "",
            description=_("Asset inventory import"),
        )
        return redirect("assets:asset-import-preview", pk=attachment.pk)
    context = {"form": form, "title": _("Import assets"), "list_url": reverse("assets:asset-list")}
    return render(request, "assets/import_upload.html", context, status=400 if form.errors else 200)


@login_required
def asset_import_preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    """What the uploaded file would create, update and refuse; a POST commits it whole."""
    _require_may_import(request)
    person = request.user
    assert isinstance(person, Person)  # login_required
    uploads = Attachment.objects.filter(uploaded_by=person)
    attachment = get_object_or_404(restrict(uploads.select_related("stored_file"), request.user), pk=pk)
    with open_file(attachment) as stored:
        data = stored.read()
    status = 200
    if request.method == "POST":
        try:
            result = services.commit_import(data, attachment.filename, by=request.user)
        except services.ImportRejected as rejected:
            preview = rejected.preview
            status = 400
        else:
            messages.success(
                request,
                _("Imported %(filename)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "filename": attachment.filename,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("assets:asset-list")
    else:
        preview = services.preview_import(data, attachment.filename, by=request.user)
    return render(request, "assets/import_preview.html", _context(preview, attachment), status=status)


def _context(preview: ImportPreview, attachment: Attachment) -> dict[str, object]:
    return {
        "title": _("Import preview: %(filename)s") % {"filename": attachment.filename},
        "preview": preview,
        "to_create": preview.to_create[:ROWS_SHOWN],
        "to_update": preview.to_update[:ROWS_SHOWN],
        "errors": preview.errors[:ROWS_SHOWN],
        "error_count": len(preview.errors) + len(preview.file_errors),
        "rows_shown": ROWS_SHOWN,
        "upload_url": reverse("assets:asset-import"),
        "list_url": reverse("assets:asset-list"),
    }
