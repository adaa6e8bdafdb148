"""One shape for API errors: 400 with field-level messages, never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        if "__all__" in detail:
            detail["non_field_errors"] = detail.pop("__all__")
        error = exceptions.ValidationError(detail=detail)
    elif isinstance(error, ProtectedError | RestrictedError):
        return Response(
            {"detail": _("This object is still referenced by other records and cannot be deleted.")},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(error, IntegrityError):
        return Response(
            {"non_field_errors": [_("This conflicts with an existing record.")]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(error, context)
