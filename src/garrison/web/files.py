"""Serving a stored file to someone who may read the object it belongs to."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from garrison.core.models import Attachment
from garrison.core.services import files


def attachment_download(attachment: Attachment) -> FileResponse:
    """The attachment streamed from the evidence store under its own name and media type,
    its SHA-256 in `X-Content-SHA256` so a recipient can check what they received. The
    caller has checked that the person may read the object it is attached to."""
    try:
        content = files.open_file(attachment)
    except FileNotFoundError:
        raise Http404(_("The stored file is missing from the evidence store.")) from None
    response = FileResponse(
        content,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-SHA256"] = attachment.stored_file.sha256
    return response
