"""Telling people about things: in-app notifications, e-mail, and each person's preferences.

Notifications are messages derived from events the audit trail already records (a
role granted, a responsibility assigned, a deadline coming), so creating or reading
one is not audited again; changing a preference is.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from garrison.core import audit, notification_kinds
from garrison.core.models import Notification, NotificationPreference, Person
from garrison.core.services.records import create_record, update_record

TITLE_LENGTH = Notification._meta.get_field("title").max_length or 300


_muted: ContextVar[bool] = ContextVar("garrison_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Send no notifications inside the block: for bulk imports and demo seeding, where
    telling each person about each record would bury what matters."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def channels_for(person: Person, kind: str) -> tuple[bool, bool]:
    """(in_app, email) for `person` and `kind`: their preference, else the kind's defaults."""
    declared = notification_kinds.get(kind)
    preference = NotificationPreference.objects.filter(person=person, kind=kind).first()
    if preference is None:
        return declared.in_app, declared.email
    return preference.in_app, preference.email


def language_of(person: Person) -> str:
    return person.language or settings.LANGUAGE_CODE


def zone_of(person: Person) -> zoneinfo.ZoneInfo:
    """The person's time zone; the platform default when theirs is unset or unknown."""
    for name in (person.time_zone, settings.DEFAULT_PERSON_TIME_ZONE):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            continue
    return zoneinfo.ZoneInfo("UTC")


def notify(
    recipient: Person,
    kind: str,
    *,
    title: str | Promise,
    body: str | Promise = "",
    link: str = "",
    target: models.Model | None = None,
    dedupe_key: str = "",
) -> Notification | None:
    """Tell `recipient` about something, on the channels they chose for `kind`.

    `title` and `body` may be lazy translations: they are rendered in the
    recipient's language. Returns the new notification, or None when nothing was
    sent: the person left, turned every channel off for this kind, or was already
    told under the same `dedupe_key` (so jobs may re-run safely).

    When only e-mail is on, the notification is still kept, already marked read:
    it records what was mailed and carries the dedupe key.
    """
    if _muted.get() or not recipient.is_active:
        return None
    in_app, email = channels_for(recipient, kind)
    if not in_app and not email:
        return None
    if dedupe_key and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
        return None
    with translation.override(language_of(recipient)):
        rendered_title = str(title)[:TITLE_LENGTH]
        rendered_body = str(body)
    notification = Notification(
        recipient=recipient,
        kind=kind,
        title=rendered_title,
        body=rendered_body,
        link=link,
        object_type=audit.object_type_of(target) if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        dedupe_key=dedupe_key,
        read_at=None if in_app else timezone.now(),
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        # Another worker told the same person under the same key a moment ago.
        if dedupe_key:
            return None
        raise
    if email and recipient.email:
        # robust: a mail server that is down must not fail the request that caused the notification.
        transaction.on_commit(lambda: _queue_email(notification.pk), robust=True)
    return notification


def _queue_email(notification_id: int) -> None:
    from garrison.core.tasks import send_notification_email

    send_notification_email(notification_id)


def absolute_url(link: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", link) if link else ""


def url_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def deliver_email(notification_id: int) -> bool:
    """Send the e-mail for one notification, once; True when a message went out.

    Runs in the worker. The message is written in the recipient's language, with
    times in their time zone; `emailed_at` makes a retried task send nothing twice.
    """
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return False
    language = language_of(recipient)
    with translation.override(language), timezone.override(zone_of(recipient)):
        sent_at = formats.date_format(timezone.localtime(notification.created_at), "DATETIME_FORMAT")
        lines = [notification.body] if notification.body else []
        if notification.link:
            lines.append(_("Open in Garrison: %(url)s") % {"url": absolute_url(notification.link)})
        lines.append("")
        lines.append(_("Sent by Garrison on %(time)s.") % {"time": sent_at})
        preferences = url_or_blank("notifications:preferences")
        if preferences:
            lines.append(
                _("Choose which notifications you receive by e-mail: %(url)s")
                % {"url": absolute_url(preferences)}
            )
        message = EmailMessage(
            subject=one_line(f"[Garrison] {notification.title}"),
            body="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            headers={"Content-Language": language},
        )
    message.send()
    Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


def one_line(text: str) -> str:
    """`text` without line breaks: a header holding one is refused by the mailer."""
    return " ".join(text.splitlines()).strip()


def mark_read(notification: Notification, *, by: Any) -> Notification:
    """Mark one notification read; reading it again keeps the first time."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(person: Person) -> int:
    """Mark every unread notification of `person` read; returns how many were."""
    return Notification.objects.filter(recipient=person, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(person: Person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


def set_preference(
    person: Person, kind: str, *, in_app: bool, email: bool, by: Any
) -> NotificationPreference:
    """Choose the channels `person` receives `kind` on; audited when something changed."""
    if not notification_kinds.is_registered(kind):
        raise ValidationError({"kind": [_("Unknown kind of notification.")]})
    with transaction.atomic():
        preference = (
            NotificationPreference.objects.select_for_update().filter(person=person, kind=kind).first()
        )
        if preference is None:
            return create_record(
                NotificationPreference, by=by, person=person, kind=kind, in_app=in_app, email=email
            )
        return update_record(preference, by=by, in_app=in_app, email=email)
