"""Who is acting, from where, in which request: carried to the audit trail without
threading the request through every service call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    source_ip: str | None = None


_OUTSIDE_REQUESTS = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("garrison_request_context")


def current() -> RequestContext:
    """The context of the request being served; an empty one in commands and jobs."""
    return _current.get(_OUTSIDE_REQUESTS)


def activate(context: RequestContext) -> object:
    return _current.set(context)


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
