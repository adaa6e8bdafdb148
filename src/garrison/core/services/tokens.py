"""Personal API tokens: made with a secret shown once, stored hashed, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import ApiToken, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services import mfa
from garrison.core.services.records import update_record

TOKEN_PREFIX = "garr_"  # noqa: S105 -- a public marker that makes leaked tokens greppable, not a secret
DEFAULT_DAYS = 90


def default_days() -> int:
    """The lifetime offered for a new token: 90 days, or the installation's maximum if shorter."""
    return min(DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(person: Person, *, by: Any, name: str, access: str, days: int) -> tuple[ApiToken, str]:
    """Make a token; returns it with its secret, which is never shown again."""
    if days < 1 or days > settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {
                "days": _("A token lasts from 1 to %(maximum)d days.")
                % {"maximum": settings.API_TOKEN_MAX_DAYS}
            }
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person=person,
        name=name,
        access=access,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_secret(secret),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit.record(token, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(token)))
    return token, secret


def authenticate_token(secret: str) -> ApiToken | None:
    """The usable token with this secret, or None.

    A person whose role requires a second factor they have not set up is refused: a
    token must not be a way round the enrolment that logging in would force.
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("person", "person__unit").filter(key_hash=hash_secret(secret)).first()
    )
    if token is None or not token.is_usable or not token.person.is_active:
        return None
    if not token.person.has_mfa and mfa.is_required_for(token.person):
        return None
    now = timezone.now()
    # Record use at most once a minute, to keep reads from writing on every call.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_token(token: ApiToken, *, by: Any, reason: str = "") -> ApiToken:
    if token.revoked_at is not None:
        return token
    return update_record(token, by=by, reason=reason, revoked_at=timezone.now())
