"""Password authentication with lockout. MFA and API tokens build on this."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class PersonBackend(ModelBackend):
    """Authenticates active, unlocked people by username (case-insensitive) and password."""

    def user_can_authenticate(self, user: Any) -> bool:
        from garrison.core.services.identity import is_locked

        return bool(user is not None and user.is_active and not is_locked(user))

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        return super().authenticate(request, username=username, password=password, **kwargs)
