from __future__ import annotations

import ipaddress
import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from garrison.core import context

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src {styles}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# drf-spectacular's Swagger page carries one inline <style> block; its scripts are files
# (SpectacularSwaggerSplitView), so only styles are relaxed, and only on that page.
INLINE_STYLE_PATHS = ("/api/docs/",)


def client_ip(request: HttpRequest) -> str | None:
    """The source address, trusting X-Forwarded-For only through configured proxies.

    Whatever the header says is checked to be an address: a proxy may write "unknown"
    or garbage there, which would make the audit trail's address column refuse the
    write. Such a hop falls back to the address the connection came from.
    """
    address = _valid_address(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = _valid_address(hops[-proxies]) or address
    return address


def _valid_address(text: str | None) -> str | None:
    if not text:
        return None
    try:
        # A zone index ("fe80::1%eth0") means nothing outside the host and no column stores it.
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed) and a source
    address, which the audit trail records."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        token = context.activate(context.RequestContext(request_id=request_id, source_ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response


class PersonContextMiddleware:
    """Shows times in the person's zone and pages in their chosen language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone_name = settings.DEFAULT_PERSON_TIME_ZONE
        if user is not None and user.is_authenticated:
            zone_name = user.time_zone or zone_name
            if user.language and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.DEFAULT_PERSON_TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ContentSecurityPolicyMiddleware:
    """No inline script anywhere, and no inline style outside the API docs page, so
    injected markup cannot run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        styles = "'self' 'unsafe-inline'" if request.path.startswith(INLINE_STYLE_PATHS) else "'self'"
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(styles=styles))
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
