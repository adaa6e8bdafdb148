"""Logging in and out: password check, throttling, lockout and unlock, personal preferences."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import EmploymentStatus, LoginFailure, Person, RoleAssignment
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant
from garrison.core.services.records import update_record


def ensure_may_change_account(person: Person, *, by: Any) -> None:
    """Refuse (PermissionDenied) unless `by` may change the login account of `person`.

    Changing someone's password, e-mail, username or second factor is taking over their
    account, and with it every role they hold: so a sub-unit administrator may only do it
    to people whose roles all lie inside the units they manage, and never to the
    installation superuser. The system (`by` None), the superuser and the person
    themselves are always allowed. Call it before writing anything.
    """
    if by is None or getattr(by, "is_superuser", False) or getattr(by, "pk", None) == person.pk:
        return
    refused = PermissionDenied(_("You cannot change someone who holds roles beyond the units you manage."))
    if person.is_superuser:
        raise refused
    paths = set(RoleAssignment.objects.filter(person=person).values_list("unit__path", flat=True))
    paths.add(person.unit.path)
    if not all(has_grant(by, Domain.ACCESS_CONTROL, Action.CHANGE, path) for path in paths):
        raise refused


def active_person(username: str) -> Person | None:
    """The person with this username (in any case) who has not left, or None: whom a
    command's `--as USERNAME` names."""
    return (
        Person.objects.filter(username__iexact=username)
        .exclude(employment_status=EmploymentStatus.LEFT)
        .first()
    )


def is_locked(person: Person) -> bool:
    if person.locked_at is None:
        return False
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    if minutes == 0:
        return True
    return timezone.now() < person.locked_at + dt.timedelta(minutes=minutes)


@transaction.atomic
def record_login_failure(username: str, *, source_ip: str | None) -> Person | None:
    """Count a failed login; lock the account when failures reach the limit.

    The person's row is locked for the count (SQLite serialises writers anyway), so the
    new count and lock are computed here and saved together.
    """
    LoginFailure.objects.create(username=username[:150], source_ip=source_ip)
    person = Person.objects.select_for_update().filter(username__iexact=username).first()
    if person is None:
        return None
    if person.locked_at is not None and not is_locked(person):
        # The lock has run out: count afresh, so the next failures can lock it again.
        person.locked_at = None
        person.failed_login_count = 0
    before = person.failed_login_count
    person.failed_login_count = before + 1
    newly_locked = person.failed_login_count >= settings.LOGIN_MAX_FAILURES and person.locked_at is None
    if newly_locked:
        person.locked_at = timezone.now()
    person.save(update_fields=["failed_login_count", "locked_at"])
    audit.record(
        person,
        AuditAction.LOGIN_FAILED,
        by=None,
        changes={"failed_login_count": [before, person.failed_login_count]},
    )
    if newly_locked:
        # The action itself says why; no English sentence is stored in the trail.
        audit.record(person, AuditAction.LOCKED, by=None, changes={"locked_at": [None, person.locked_at]})
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
    """Lift a lockout and clear the failure count."""
    ensure_may_change_account(person, by=by)
    locked = Person.objects.select_for_update().filter(pk=person.pk)
    before = locked.values("locked_at", "failed_login_count").get()
    locked.update(failed_login_count=0, locked_at=None)
    person.refresh_from_db(fields=["failed_login_count", "locked_at"])
    changes = {
        name: [value, getattr(person, name)]
        for name, value in before.items()
        if value != getattr(person, name)
    }
    audit.record(person, AuditAction.UNLOCKED, by=by, changes=changes, reason=reason)
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
