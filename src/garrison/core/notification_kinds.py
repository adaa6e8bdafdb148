"""The registry of notification kinds: what may be sent, and on which channels by default.

Each app registers the kinds it sends when it loads (core's own kinds are at the
bottom of this module). A person's NotificationPreference for a kind overrides its
default channels; the preferences page lists every registered kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class UnknownNotificationKind(LookupError):
    """A notification was sent, or a preference set, for a kind nobody registered."""


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification: a stable code, a label people read, default channels."""

    code: str
    label: str | Promise
    in_app: bool = True
    email: bool = True
    description: str | Promise = ""


_registry: dict[str, NotificationKind] = {}


def register(
    code: str,
    label: str | Promise,
    *,
    in_app: bool = True,
    email: bool = True,
    description: str | Promise = "",
) -> NotificationKind:
    """Declare a kind. Registering the same declaration twice is harmless (modules may be
    imported again); two different declarations under one code are a programming error."""
    if not code or len(code) > 60:
        raise ValueError(f"A notification kind code has 1 to 60 characters: {code!r}")
    kind = NotificationKind(code=code, label=label, in_app=in_app, email=email, description=description)
    existing = _registry.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {code!r} is already registered differently")
    _registry[code] = kind
    return kind


def get(code: str) -> NotificationKind:
    try:
        return _registry[code]
    except KeyError:
        raise UnknownNotificationKind(code) from None


def is_registered(code: str) -> bool:
    return code in _registry


def all_kinds() -> list[NotificationKind]:
    """Every registered kind, in a stable order for pages and the API."""
    return sorted(_registry.values(), key=lambda kind: kind.code)


def choices() -> list[tuple[str, str]]:
    return [(kind.code, str(kind.label)) for kind in all_kinds()]


# Kinds the platform core sends.
API_TOKEN_EXPIRING = register(
    "api_token_expiring",
    _("API token about to expire"),
    description=_("One of your personal API tokens expires within a week."),
)
ROLE_GRANTED = register(
    "role_granted",
    _("Role granted"),
    description=_("You were given a role on part of the organisation."),
)
RESPONSIBILITY_ASSIGNED = register(
    "responsibility_assigned",
    _("Responsibility assigned"),
    description=_("You were made responsible, accountable, consulted or informed for something."),
)
