"""Indicators of compromise of a case: IP addresses, domains, URLs, file hashes,
accounts and e-mail addresses seen in the incident.

Each value is checked and normalised for its kind (a lower-case hash, a compressed IPv6
address, a domain without its trailing dot), so the same indicator is recorded once per
case whatever way it was typed. Whoever may change the case adds and changes its
indicators; every write is audited.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import require
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.incidents.models import Incident, Indicator, IndicatorKind

INDICATOR_FIELDS = frozenset({"kind", "value", "description", "first_seen_at"})
HASH_LENGTHS = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
HEX = re.compile(r"[0-9a-f]+")
DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
URL_SCHEMES = ["http", "https", "ftp", "ftps", "ws", "wss"]


def _ip(value: str) -> str:
    try:
        if "/" in value:
            return str(ipaddress.ip_network(value, strict=False))
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValidationError(_("“%(value)s” is not an IP address or network.") % {"value": value}) from None


def _domain(value: str) -> str:
    name = value.lower().rstrip(".")
    try:
        # Internationalised names are compared in their ASCII (punycode) form.
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2 or not all(DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(_("“%(value)s” is not a domain name.") % {"value": value})
    return name


def _url(value: str) -> str:
    try:
        URLValidator(schemes=URL_SCHEMES)(value)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a URL (it starts with http://, https:// or ftp://).")
            % {"value": value[:200]}
        ) from None
    return value


def _file_hash(value: str) -> str:
    digest = value.lower()
    if not HEX.fullmatch(digest) or len(digest) not in HASH_LENGTHS:
        raise ValidationError(
            _("A file hash is 32 (MD5), 40 (SHA-1), 64 (SHA-256) or 128 (SHA-512) hexadecimal characters.")
        )
    return digest


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not an e-mail address.") % {"value": value}) from None
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


NORMALISERS: dict[str, Callable[[str], str]] = {
    IndicatorKind.IP: _ip,
    IndicatorKind.DOMAIN: _domain,
    IndicatorKind.URL: _url,
    IndicatorKind.FILE_HASH: _file_hash,
    IndicatorKind.EMAIL: _email,
}


def normalise_indicator(kind: str, value: Any) -> str:
    """`value` as recorded for `kind`; a ValidationError on `value` saying what is wrong."""
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"value": [_("Enter the indicator's value.")]})
    normalise = NORMALISERS.get(kind)
    if normalise is None:
        return text
    try:
        return str(normalise(text))
    except ValidationError as error:
        raise ValidationError({"value": error.messages}) from None


def _check_unique(incident: Incident, kind: str, value: str, exclude: int | None = None) -> None:
    existing = Indicator.objects.filter(incident=incident, kind=kind, value=value)
    if exclude is not None:
        existing = existing.exclude(pk=exclude)
    if existing.exists():
        raise ValidationError({"value": [_("This indicator is already recorded for the case.")]})


def _prepare(incident: Incident, fields: dict[str, Any], exclude: int | None = None) -> dict[str, Any]:
    unknown = set(fields) - INDICATOR_FIELDS
    if unknown:
        raise TypeError(f"unexpected indicator fields {sorted(unknown)}")
    kind = fields.get("kind")
    if kind not in IndicatorKind.values:
        raise ValidationError({"kind": [_("Choose the kind of indicator.")]})
    fields["value"] = normalise_indicator(kind, fields.get("value"))
    if isinstance(fields.get("description"), str):
        fields["description"] = fields["description"].strip()
    _check_unique(incident, kind, fields["value"], exclude)
    return fields


@transaction.atomic
def add_indicator(incident: Incident, *, by: Any, reason: str = "", **fields: Any) -> Indicator:
    """Record an indicator seen in the case (kind, value, description, first_seen_at)."""
    require(by, Action.CHANGE, incident)
    fields = _prepare(incident, dict(fields))
    return create_record(Indicator, by=by, reason=reason, incident=incident, **fields)


@transaction.atomic
def update_indicator(indicator: Indicator, *, by: Any, reason: str = "", **fields: Any) -> Indicator:
    require(by, Action.CHANGE, indicator.incident)
    merged = {"kind": indicator.kind, "value": indicator.value, **fields}
    prepared = _prepare(indicator.incident, merged, exclude=indicator.pk)
    return update_record(indicator, by=by, reason=reason, **prepared)


@transaction.atomic
def remove_indicator(indicator: Indicator, *, by: Any, reason: str = "") -> None:
    require(by, Action.CHANGE, indicator.incident)
    delete_record(indicator, by=by, reason=reason)
