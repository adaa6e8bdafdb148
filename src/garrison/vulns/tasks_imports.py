"""The background job that imports an uploaded scanner file.

`run_scan_import` is queued by garrison.vulns.services.importing.start_import once the
upload is committed. It reads and writes the file (run_import), then tells the importer
how it went, in their language. Safe to run twice: an import already started is left
alone, and the notification is sent once per import.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from garrison.core.services import notifications as notification_services
from garrison.vulns.models import ImportStatus, ScanImport
from garrison.vulns.notifications_imports import IMPORT_FAILED, IMPORT_FINISHED
from garrison.vulns.services.importing import run_import


@db_task(retries=0)
def run_scan_import(scan_import_id: int) -> str:
    """Run the queued import `scan_import_id` and notify its importer."""
    scan_import = ScanImport.objects.select_related("created_by", "source_file__stored_file").filter(
        pk=scan_import_id
    )
    found = scan_import.first()
    if found is None:
        return f"scan import {scan_import_id} no longer exists"
    if found.status != ImportStatus.QUEUED:
        return f"{found.reference} already {found.status}"
    result = run_import(found)
    tell_importer(result)
    return f"{result.reference} {result.status}"


def tell_importer(scan_import: ScanImport) -> None:
    person = scan_import.created_by
    try:
        link = reverse("vulns:scanimport-detail", kwargs={"pk": scan_import.pk})
    except NoReverseMatch:
        link = ""
    with translation.override(notification_services.language_of(person)):
        if scan_import.status == ImportStatus.DONE:
            kind = IMPORT_FINISHED.code
            title = _("%(file)s is imported") % {"file": scan_import.filename}
            body = _(
                "%(new)d new, %(open)d still open, %(reopened)d reopened, %(fixed)d fixed, "
                "%(unchanged)d unchanged, %(rejected)d rejected records; %(hosts)d hosts, "
                "%(discovered)d discovered assets to review."
            ) % {
                "new": scan_import.new_count,
                "open": scan_import.open_count,
                "reopened": scan_import.reopened_count,
                "fixed": scan_import.fixed_count,
                "unchanged": scan_import.unchanged_count,
                "rejected": scan_import.rejected_count,
                "hosts": scan_import.host_count,
                "discovered": scan_import.discovered_asset_count,
            }
        else:
            kind = IMPORT_FAILED.code
            title = _("%(file)s could not be imported") % {"file": scan_import.filename}
            body = scan_import.error
    notification_services.notify(
        person,
        kind,
        title=title,
        body=body,
        link=link,
        target=scan_import,
        dedupe_key=f"vulns.scan-import:{scan_import.pk}",
    )
