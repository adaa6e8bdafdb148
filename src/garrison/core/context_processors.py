"""Template context every page gets from the core."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from garrison.core.scoping import is_authenticated_person
from garrison.core.services.notifications import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: the person's unread count, one COUNT query, made only
    when a template reads it."""
    person = getattr(request, "user", None)
    if not is_authenticated_person(person):
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(person))}  # type: ignore[arg-type]
