"""Logging in and out: password check, throttling, lockout and unlock, personal preferences."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import LoginFailure, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services.records import update_record


def is_locked(person: Person) -> bool:
    if person.locked_at is None:
        return False
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    if minutes == 0:
        return True
    return timezone.now() < person.locked_at + dt.timedelta(minutes=minutes)


@transaction.atomic
def record_login_failure(username: str, *, source_ip: str | None) -> Person | None:
    """Count a failed login; lock the account when failures reach the limit."""
    LoginFailure.objects.create(username=username[:150], source_ip=source_ip)
    person = Person.objects.select_for_update().filter(username__iexact=username).first()
    if person is None:
        return None
    if person.locked_at is not None and not is_locked(person):
        person.locked_at = None
        person.failed_login_count = 0
    Person.objects.filter(pk=person.pk).update(failed_login_count=F("failed_login_count") + 1)
    person.refresh_from_db(fields=["failed_login_count", "locked_at"])
    audit.record(
        person, AuditAction.LOGIN_FAILED, by=None, changes={"failed_login_count": person.failed_login_count}
    )
    if person.failed_login_count >= settings.LOGIN_MAX_FAILURES and person.locked_at is None:
        person.locked_at = timezone.now()
        person.save(update_fields=["locked_at"])
        audit.record(person, AuditAction.LOCKED, by=None, reason="too many failed logins")
    return person


def record_login_success(person: Person) -> None:
    with transaction.atomic():
        if person.failed_login_count or person.locked_at:
            Person.objects.filter(pk=person.pk).update(failed_login_count=0, locked_at=None)
        audit.record(person, AuditAction.LOGIN, by=person)


def too_many_failures_from(source_ip: str | None, *, window_minutes: int = 15, limit: int = 30) -> bool:
    """Throttle a source address that tries many accounts."""
    if not source_ip:
        return False
    since = timezone.now() - dt.timedelta(minutes=window_minutes)
    return LoginFailure.objects.filter(source_ip=source_ip, occurred_at__gte=since).count() >= limit


@transaction.atomic
def unlock(person: Person, *, by: Any, reason: str = "") -> Person:
    Person.objects.filter(pk=person.pk).update(failed_login_count=0, locked_at=None)
    person.refresh_from_db(fields=["failed_login_count", "locked_at"])
    audit.record(person, AuditAction.UNLOCKED, by=by, reason=reason)
    return person


def password_login(username: str, password: str, *, source_ip: str | None) -> Person | None:
    """The person whose username and password these are, if they may log in.

    A wrong password, an unknown username, a locked account and a person who left all
    answer None and count as a failure, so the caller cannot tell them apart.
    """
    person = authenticate(None, username=username, password=password)
    if not isinstance(person, Person):
        record_login_failure(username, source_ip=source_ip)
        return None
    return person


def record_logout(person: Person) -> None:
    audit.record(person, AuditAction.LOGOUT, by=person)


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_names() -> list[str]:
    return sorted(_time_zone_names())


def is_time_zone(name: str) -> bool:
    return name in _time_zone_names()


def update_preferences(person: Person, *, by: Any, language: str, time_zone: str) -> Person:
    """The person's language ("" follows the browser) and the time zone their times are shown in."""
    errors: dict[str, str] = {}
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the offered languages.")
    if not is_time_zone(time_zone):
        errors["time_zone"] = _("Unknown time zone; use a name such as Asia/Shanghai.")
    if errors:
        raise ValidationError(errors)
    return update_record(person, by=by, language=language, time_zone=time_zone)
