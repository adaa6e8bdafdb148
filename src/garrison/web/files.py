"""Serving a stored file to someone who may read the object it belongs to."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from garrison.core.models import Attachment
from garrison.core.services import files


def stored_file_response(
    content: IO[bytes], *, filename: str, sha256: str, content_type: str = "application/octet-stream"
) -> FileResponse:
    """A stored file as a download under `filename`, its SHA-256 in `X-Content-SHA256` so a
    recipient can check what they received."""
    response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-SHA256"] = sha256
    return response


def attachment_download(attachment: Attachment) -> FileResponse:
    """The attachment streamed from the evidence store under its own name and media type,
    its SHA-256 in `X-Content-SHA256` so a recipient can check what they received. The
    caller has checked that the person may read the object it is attached to."""
    try:
        content = files.open_file(attachment)
    except FileNotFoundError:
        raise Http404(_("The stored file is missing from the evidence store.")) from None
    return stored_file_response(
        content,
        filename=attachment.filename,
        sha256=attachment.stored_file.sha256,
        content_type=attachment.content_type or "application/octet-stream",
    )
