"""The hosts a scan covered, matched to the inventory's assets.

A scanner names a machine by its address, by one or more host names, or both; the same
machine appears once as a scanned host and again on each of its findings. `HostCatalogue`
gathers these spellings while the file is read, joining those that meet into one host.
`resolve_hosts` then matches every host to an asset by IP address, else by host name
(through the indexed assets.AssetIdentifier rows, a query per batch of hosts), adds the
hosts nobody knows to the inventory as discovered assets waiting for review, and records
that each asset was covered by the import (vulns.AssetScan).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from garrison.assets.identifiers import InvalidIdentifier, normalise_host_name, normalise_ip_address
from garrison.assets.models import Asset, AssetIdentifier, AssetType, IdentifierKind, derive_classification
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.services.references import provisional_reference
from garrison.vulns.models import AssetScan, ScanImport

# Matches AUTOMATIC_REFERENCE_PREFIX of the assets app, which numbers assets the same way.
ASSET_REFERENCE_PREFIX = "AST-"
# Hosts looked up per query: each brings a few addresses and names as parameters, well
# under SQLite's 32,766 and PostgreSQL's 65,535.
HOST_BATCH = 2000
VALUE_CHUNK = 10_000
INSERT_CHUNK = 5000
NAME_LENGTH = Asset._meta.get_field("name").max_length or 200


@dataclass(eq=False, slots=True)
class Host:
    """One machine of the scan under all the spellings the file used for it."""

    label: str
    keys: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    operating_system: str = ""
    asset_id: int | None = None
    unit_id: int | None = None
    discovered: bool = False

    @property
    def subject(self) -> str:
        """The fingerprint's subject: the asset, or the host as written when it has none."""
        return f"asset:{self.asset_id}" if self.asset_id is not None else f"host:{self.label.lower()}"


def _key(value: str) -> str:
    return value.strip().lower()


class HostCatalogue:
    """The hosts of one file, found by any of their spellings."""

    def __init__(self) -> None:
        self._by_key: dict[str, Host] = {}

    def note(self, address: str, names: Iterable[str] = (), operating_system: str = "") -> Host | None:
        """Record a host seen as `address` and `names`; joins it with hosts already seen under
        any of them. None when every spelling is blank."""
        spellings = [value.strip() for value in (address, *names) if value and value.strip()]
        if not spellings:
            return None
        keys = [_key(value) for value in spellings]
        found: list[Host] = []
        for key in keys:
            host = self._by_key.get(key)
            if host is not None and host not in found:
                found.append(host)
        host = found[0] if found else Host(label=spellings[0])
        for other in found[1:]:
            self._absorb(host, other)
        for value, key in zip(spellings, keys, strict=True):
            if key not in host.keys:
                host.keys.add(key)
                self._by_key[key] = host
                _add_identifier(host, value)
        if operating_system and not host.operating_system:
            host.operating_system = operating_system
        return host

    def _absorb(self, host: Host, other: Host) -> None:
        host.keys |= other.keys
        host.addresses |= other.addresses
        host.names |= other.names
        host.operating_system = host.operating_system or other.operating_system
        for key in other.keys:
            self._by_key[key] = host

    def get(self, spelling: str) -> Host | None:
        return self._by_key.get(_key(spelling))

    def hosts(self) -> list[Host]:
        """Every distinct host, in the order first seen."""
        return list({id(host): host for host in self._by_key.values()}.values())

    def __len__(self) -> int:
        return len(self.hosts())


def _add_identifier(host: Host, value: str) -> None:
    """File `value` as an address when it is one, else as a host name when it is one;
    anything else (a NetBIOS name with an underscore, say) only labels the host."""
    try:
        host.addresses.add(normalise_ip_address(value))
        return
    except InvalidIdentifier:
        pass
    with contextlib.suppress(InvalidIdentifier):
        host.names.add(normalise_host_name(value))


@dataclass(frozen=True, slots=True)
class HostResolution:
    hosts: int
    discovered: int
    assets_covered: int


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _identifier_owners(kind: str, values: set[str]) -> dict[str, tuple[int, int]]:
    """value → (asset id, unit id) of the oldest asset carrying it."""
    owners: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(sorted(values), VALUE_CHUNK):
        rows = (
            AssetIdentifier.objects.filter(kind=kind, value__in=chunk)
            .order_by("-asset_id")
            .values_list("value", "asset_id", "asset__unit_id")
        )
        owners.update((value, (asset_id, unit_id)) for value, asset_id, unit_id in rows)
    return owners


def _match(batch: list[Host]) -> None:
    by_address = _identifier_owners(IdentifierKind.IP_ADDRESS, {a for host in batch for a in host.addresses})
    by_name = _identifier_owners(IdentifierKind.HOST_NAME, {n for host in batch for n in host.names})
    for host in batch:
        # An address is the stronger identity: names are reused and aliased.
        matched = [by_address[a] for a in host.addresses if a in by_address] or [
            by_name[n] for n in host.names if n in by_name
        ]
        if matched:
            host.asset_id, host.unit_id = min(matched)


def resolve_hosts(
    catalogue: HostCatalogue, *, by: Person, unit: OrgUnit, scan_import: ScanImport, source: str, now: Any
) -> HostResolution:
    """Match every host of `catalogue` to an asset, adding the unknown ones as discovered
    assets of `unit` owned by `by`, and record each asset covered as scanned at `now`."""
    hosts = catalogue.hosts()
    for batch in _chunks(hosts, HOST_BATCH):
        _match(batch)
    unknown = [host for host in hosts if host.asset_id is None and (host.addresses or host.names)]
    _discover(unknown, by=by, unit=unit, scan_import=scan_import)
    covered = sorted({host.asset_id for host in hosts if host.asset_id is not None})
    _insert(
        AssetScan,
        ("asset", "scan_import", "scanned_at", "source"),
        [(asset_id, scan_import.pk, _datetime(now), source) for asset_id in covered],
    )
    return HostResolution(hosts=len(hosts), discovered=len(unknown), assets_covered=len(covered))


def _discover(hosts: list[Host], *, by: Person, unit: OrgUnit, scan_import: ScanImport) -> None:
    if not hosts:
        return
    classification = derive_classification(2, 2, 2)
    assets = []
    for host in hosts:
        names, addresses = sorted(host.names), sorted(host.addresses, key=_address_order)
        description = _("Found by the scan import %(reference)s.") % {"reference": scan_import.reference}
        if host.operating_system:
            description += " " + _("Operating system: %(os)s.") % {"os": host.operating_system}
        assets.append(
            Asset(
                reference=provisional_reference(),
                name=(names[0] if names else addresses[0] if addresses else host.label)[:NAME_LENGTH],
                asset_type=AssetType.SERVER,
                owner=by,
                unit=unit,
                description=description,
                classification=classification,
                ip_addresses=addresses,
                host_names=names,
                needs_review=True,
            )
        )
    Asset.objects.bulk_create(assets, batch_size=1000)
    _number(assets)
    for host, asset in zip(hosts, assets, strict=True):
        host.asset_id, host.unit_id, host.discovered = asset.pk, unit.pk, True
    _insert(
        AssetIdentifier,
        ("asset", "kind", "value"),
        [
            (asset.pk, IdentifierKind.IP_ADDRESS.value, value)
            for asset in assets
            for value in asset.ip_addresses
        ]
        + [
            (asset.pk, IdentifierKind.HOST_NAME.value, value)
            for asset in assets
            for value in asset.host_names
        ],
    )
    reason = _("Discovered by the scan import %(reference)s.") % {"reference": scan_import.reference}
    audit.record_many(
        audit.pending_for(
            asset,
            AuditAction.CREATE,
            by=by,
            reason=reason,
            changes={
                "reference": [None, asset.reference],
                "name": [None, asset.name],
                "ip_addresses": [None, asset.ip_addresses],
                "host_names": [None, asset.host_names],
                "needs_review": [None, True],
            },
        )
        for asset in assets
    )


def _address_order(address: str) -> tuple[int, str]:
    return (":" in address, address)


def _number(assets: list[Asset]) -> None:
    """Give the new assets the references the assets app would (AST-<id>), with a suffix
    where someone already typed that reference by hand."""
    wanted = {asset.pk: f"{ASSET_REFERENCE_PREFIX}{asset.pk}" for asset in assets}
    taken: set[str] = set()
    for chunk in _chunks(list(wanted.values()), VALUE_CHUNK):
        taken.update(Asset.objects.filter(reference__in=chunk).values_list("reference", flat=True))
    for asset in assets:
        candidate, number = wanted[asset.pk], 1
        while candidate in taken:
            number += 1
            candidate = f"{wanted[asset.pk]}-{number}"
        taken.add(candidate)
        asset.reference = candidate
    table = connection.ops.quote_name(Asset._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET reference = %s WHERE id = %s",  # noqa: S608 - names from the model
            [(asset.reference, asset.pk) for asset in assets],
        )


def _datetime(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _insert(model: Any, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows of a narrow table with executemany: building a model instance per
    row costs several times the insert itself."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, INSERT_CHUNK):
            cursor.executemany(statement, chunk)
