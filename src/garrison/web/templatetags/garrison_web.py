"""Template tags of the web shell: optional links to parts of Garrison that may be
absent, the unread-notification count, and how cell values read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from garrison.core.audit import SYSTEM_ACTOR
from garrison.core.models import Notification
from garrison.core.scoping import is_authenticated_person, restrict
from garrison.web.links import object_url
from garrison.web.links import optional_url as _optional_url

register = template.Library()

ALERT_CLASSES = {"error": "danger", "debug": "secondary"}


@register.simple_tag
def optional_url(name: str, *args: Any) -> str | None:
    """`{% optional_url 'account:profile' as url %}`: None while that URL does not exist."""
    return _optional_url(name, *args)


@register.simple_tag
def link_to(object_type: str, object_id: Any) -> str | None:
    """The page of the object an audit event or responsibility names, when it has one."""
    return object_url(object_type, object_id)


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    request = context.get("request")
    person = getattr(request, "user", None)
    if not is_authenticated_person(person):
        return 0
    return restrict(Notification.objects.filter(recipient=person, read_at__isnull=True), person).count()


@register.filter
def actor_name(label: str) -> str:
    """The stored actor label, with the marker for events no person caused translated."""
    return _("system") if label in ("", SYSTEM_ACTOR) else label


@register.filter
def startswith(text: Any, prefix: Any) -> bool:
    return bool(prefix) and str(text).startswith(str(prefix))


@register.filter
def bootstrap_alert(tags: str) -> str:
    tag = (tags or "info").split()[-1]
    return ALERT_CLASSES.get(tag, tag)


@register.filter
def display(value: Any) -> str:
    """A cell value as a person reads it: times in their zone, yes/no, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i"
        )
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    return str(value)
