"""Two-factor login with time-based one-time codes (TOTP, RFC 6238).

A person enrols by scanning a secret generated here into an authenticator app and
confirming one code from it; only then is the secret stored on the person, with the
time of confirmation. Holders of the roles in `roles.MFA_REQUIRED_ROLES` (and the
installation superuser) must enrol before they get in, and cannot switch it off.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core.models import Person, RoleAssignment
from garrison.core.roles import MFA_REQUIRED_ROLES
from garrison.core.services.identity import ensure_may_change_account
from garrison.core.services.records import update_record

CODE_PATTERN = re.compile(r"^\d{6}$")
# Codes from one time step either side of now are accepted (pyotp's valid_window=1),
# which tolerates a phone clock that is up to 30 seconds off.
VALID_WINDOW = 1


def is_required_for(person: Person) -> bool:
    """Whether `person` may only log in with a second factor."""
    if person.is_superuser:
        return True
    return RoleAssignment.objects.filter(person=person, role__in=MFA_REQUIRED_ROLES).exists()


def new_secret() -> str:
    """A fresh base32 secret; nothing is stored until the person confirms a code from it."""
    return pyotp.random_base32()


def provisioning_uri(person: Person, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=person.username, issuer_name=settings.MFA_ISSUER)


def qr_code_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG markup, drawn here: no external service sees the secret."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def normalise_code(code: str) -> str:
    """Authenticator apps show codes as "123 456"; accept them as typed."""
    return re.sub(r"[\s-]", "", code or "")


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step whose code equals `code`, looking one step either side of `at`."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.at(at, counter_offset=offset), code):
            return current + offset
    return None


def _claim_step(secret: str, step: int) -> bool:
    """Remember that the code of `step` was used; False when it (or a later one) already was.

    Keyed by a fingerprint of the secret, so enrolling again starts a fresh sequence.
    The cache is per process without Redis; logins are also claimed in the database
    (`Person.mfa_last_step`, see verify_login_code), which holds across processes.
    """
    fingerprint = hashlib.sha256(secret.encode("ascii")).hexdigest()[:24]
    last_key = f"garrison:mfa:last-step:{fingerprint}"
    lifetime = pyotp.TOTP(secret).interval * (2 * VALID_WINDOW + 2)
    last = cache.get(last_key)
    if last is not None and step <= last:
        return False
    # add() is atomic: of two simultaneous logins with the same code only one wins.
    if not cache.add(f"garrison:mfa:step:{fingerprint}:{step}", True, timeout=lifetime):
        return False
    cache.set(last_key, step, timeout=lifetime)
    return True


def claim_code(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step of `code` if it is a current, unused code of `secret`; None otherwise.

    A successful claim uses the code up: the same code is refused afterwards.
    """
    code = normalise_code(code)
    if not secret or not CODE_PATTERN.match(code):
        return None
    step = _matching_step(secret, code, time.time() if at is None else at)
    if step is None or not _claim_step(secret, step):
        return None
    return step


def check_code(secret: str, code: str, *, at: float | None = None) -> bool:
    """Whether `code` is a current code of `secret` that has not been used before (and use it up)."""
    return claim_code(secret, code, at=at) is not None


def verify_login_code(person: Person, code: str) -> bool:
    """The second step of a login: the code from the person's enrolled authenticator.

    The code is claimed with a conditional UPDATE of the person's last used step, so
    of two processes (or two workers without a shared cache) presented the same code,
    exactly one accepts it.
    """
    if not person.has_mfa:
        return False
    # One clock reading decides the step: reading it again could cross a step boundary.
    step = claim_code(person.mfa_secret, code)
    if step is None:
        return False
    return Person.objects.filter(pk=person.pk, mfa_last_step__lt=step).update(mfa_last_step=step) == 1


def _wrong_code() -> ValidationError:
    return ValidationError({"code": _("This code is wrong, expired or already used.")})


@transaction.atomic
def confirm_enrolment(person: Person, secret: str, code: str, *, by: Any) -> Person:
    """Store `secret` as the person's second factor once they prove their app holds it."""
    if person.has_mfa:
        raise ValidationError({"code": _("Two-factor login is already set up.")})
    step = claim_code(secret, code)
    if step is None:
        raise _wrong_code()
    # The enrolment code is used up for logins too, whichever process checks it.
    return update_record(
        person,
        by=by,
        reason=_("Two-factor login set up"),
        mfa_secret=secret,
        mfa_confirmed_at=timezone.now(),
        mfa_last_step=step,
    )


@transaction.atomic
def disable(person: Person, code: str, *, by: Any) -> Person:
    """Switch off the person's own second factor; a current code proves it is them."""
    if is_required_for(person):
        raise ValidationError({"code": _("Your role requires two-factor login; it cannot be switched off.")})
    if not verify_login_code(person, code):
        raise _wrong_code()
    return update_record(
        person, by=by, reason=_("Two-factor login switched off"), mfa_secret="", mfa_confirmed_at=None
    )


@transaction.atomic
def reset(person: Person, *, by: Any, reason: str) -> Person:
    """An administrator clears a lost second factor; the person enrols again at next login."""
    ensure_may_change_account(person, by=by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the second factor is reset.")})
    return update_record(person, by=by, reason=reason, mfa_secret="", mfa_confirmed_at=None)
