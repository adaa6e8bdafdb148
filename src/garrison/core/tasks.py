"""Periodic and background jobs of the platform core."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from garrison.core import notification_kinds
from garrison.core.models import ApiToken, EmploymentStatus
from garrison.core.scheduling import Period, crontab, periodic_job
from garrison.core.services import housekeeping
from garrison.core.services import notifications as notification_services

LOGIN_FAILURE_RETENTION = dt.timedelta(days=30)
TOKEN_REMINDER_WINDOW = dt.timedelta(days=7)
# The identity pages list a person's tokens under this URL name.
TOKEN_PAGE = "account:tokens"  # noqa: S105 - a URL name, not a secret
SYSTEM = "system: scheduled job"


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's e-mail, queued once the notification is committed."""
    return notification_services.deliver_email(notification_id)


@periodic_job(
    "core.purge-login-failures",
    crontab(hour="3", minute="0"),
    period=Period.DAILY,
    description="Delete failed-login records older than 30 days",
)
def purge_login_failures(now: dt.datetime) -> str:
    deleted = housekeeping.purge_login_failures(before=now - LOGIN_FAILURE_RETENTION, by=SYSTEM)
    return f"{deleted} failed-login records deleted"


@periodic_job(
    "core.api-token-expiry-reminders",
    crontab(hour="1", minute="0"),
    period=Period.DAILY,
    description="Remind people of personal API tokens expiring within 7 days",
)
def remind_expiring_api_tokens(now: dt.datetime) -> str:
    tokens = (
        ApiToken.objects.filter(
            revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + TOKEN_REMINDER_WINDOW
        )
        .filter(~Q(person__employment_status=EmploymentStatus.LEFT))
        .select_related("person")
        .order_by("expires_at", "pk")
    )
    link = notification_services.url_or_blank(TOKEN_PAGE)
    found = sent = 0
    for token in tokens.iterator():
        found += 1
        person = token.person
        zone = notification_services.zone_of(person)
        with translation.override(notification_services.language_of(person)):
            expires = formats.date_format(timezone.localtime(token.expires_at, zone), "DATETIME_FORMAT")
            title = _("Your API token “%(name)s” expires on %(time)s") % {"name": token.name, "time": expires}
            body = _("Make a new token before then if you still need API access; this one stops working.")
        notification = notification_services.notify(
            person,
            notification_kinds.API_TOKEN_EXPIRING.code,
            title=title,
            body=body,
            link=link,
            target=token,
            # One reminder per token, however often the job runs before it expires.
            dedupe_key=f"api_token_expiring:{token.pk}",
        )
        sent += notification is not None
    return f"{sent} reminders sent for {found} expiring tokens"
