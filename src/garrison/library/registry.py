"""The object kinds a library may hold, each registered by the app that stores it.

The loader (garrison.library.services) knows no kind itself: an app registers a
`KindLoader` for each kind it stores, from its AppConfig.ready(), e.g.::

    register_kind("risk_matrices", KindLoader(domain=Domain.RISKS, order=100, ...))

so that compliance adds ``frameworks`` without touching the risks app or the loader.
A kind loader says which domain's CHANGE grant (over every organisation tree) loading
it needs, how to parse one object (a pure function, see garrison.library.format) and
how to write the parsed objects of one library (`apply`), in `order` relative to the
other kinds (a mapping is written after the frameworks it maps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from garrison.core.roles import Domain
from garrison.library.format import ObjectParser


@dataclass
class KindOutcome:
    """What loading one kind of a library did, object by object (by URN).

    `changed` maps each updated object to the names of the fields that changed;
    `removed` lists objects of this library that the new version no longer holds:
    they are kept (records may use them) and only reported.
    """

    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
        }

    def changes(self) -> dict[str, Any]:
        """The part kept in LoadedLibrary.last_changes."""
        return {"added": list(self.added), "changed": dict(self.changed), "removed": list(self.removed)}


@dataclass
class ApplyContext:
    """What a kind loader needs to write one library's objects.

    `events` collects the audit events of the whole load; the loader appends them all
    at once, in one chained `audit.record_many` call, once every kind has applied.
    """

    library_urn: str
    library_name: str
    by: Any
    reason: str
    events: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class KindLoader:
    """How one object kind is parsed and stored."""

    domain: Domain
    label: str | Promise
    parse: ObjectParser
    apply: Callable[[Sequence[Any], ApplyContext], KindOutcome]
    order: int = 500


_kinds: dict[str, KindLoader] = {}


def register_kind(kind: str, loader: KindLoader) -> None:
    """Make `kind` loadable; registering the same loader again (a second ready()) is harmless."""
    existing = _kinds.get(kind)
    if existing is not None and existing != loader:
        raise ValueError(f"The library object kind {kind!r} is already registered")
    _kinds[kind] = loader


def kind_loader(kind: str) -> KindLoader | None:
    return _kinds.get(kind)


def registered_kinds() -> dict[str, KindLoader]:
    """Every registered kind, in the order their objects are written."""
    return dict(sorted(_kinds.items(), key=lambda item: (item[1].order, item[0])))


def parsers() -> dict[str, ObjectParser]:
    return {kind: loader.parse for kind, loader in registered_kinds().items()}
