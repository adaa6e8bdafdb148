"""Loading reference libraries: the one writer of library data.

`load_library` reads a library file, checks it whole, and writes its objects by URN
through the kind loaders the apps registered (garrison.library.registry), all in one
transaction with one chained batch of audit events. A library is never loaded half:
any error, in the file or while writing, leaves the database as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant_everywhere
from garrison.library import format as library_format
from garrison.library import registry
from garrison.library.models import LoadedLibrary
from garrison.library.registry import ApplyContext, KindOutcome

LibrarySource = bytes | str | os.PathLike[str] | IO[bytes]


class LoadStatus(StrEnum):
    """How a load ended."""

    ADDED = "added"  # the library was not loaded before
    UPGRADED = "upgraded"  # a newer version replaced the loaded one
    UNCHANGED = "unchanged"  # this very version was already loaded
    REFUSED = "refused"  # nothing was written; `errors` says why


@dataclass
class LoadResult:
    """What `load_library` did: per kind, which objects were added, changed, left as they
    were and dropped from the library (kept in Garrison); or why it refused."""

    status: LoadStatus
    urn: str = ""
    name: str = ""
    version: int | None = None
    previous_version: int | None = None
    kinds: dict[str, KindOutcome] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    library: LoadedLibrary | None = None

    @property
    def is_refused(self) -> bool:
        return self.status == LoadStatus.REFUSED


class _Refused(Exception):
    """Raised inside the transaction to roll back everything a load wrote."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class FileFormat:
    """Another kind of file that `garrison library import` and the upload accept, registered
    by the app that reads it (compliance registers OSCAL JSON). `detects(name, content)`
    says whether a file is of this format; `load(files, by=, reason=)` loads a batch of
    (name, content) pairs together and returns one result per file, in order."""

    name: str
    detects: Callable[[str, bytes], bool]
    load: Callable[..., list[LoadResult]]


_file_formats: dict[str, FileFormat] = {}


def register_file_format(file_format: FileFormat) -> None:
    _file_formats[file_format.name] = file_format


def _format_of(name: str, content: bytes) -> FileFormat | None:
    return next((known for known in _file_formats.values() if known.detects(name, content)), None)


def load_files(files: Sequence[tuple[str, bytes]], *, by: Any, reason: str = "") -> list[LoadResult]:
    """Load several files, one result per file in the order given: library YAML one by one,
    files of a registered format (OSCAL) as one batch so that they can refer to each other."""
    results: dict[int, LoadResult] = {}
    batches: dict[str, list[int]] = {}
    for index, (name, content) in enumerate(files):
        file_format = _format_of(name, content)
        if file_format is None:
            results[index] = load_library(content, by=by, reason=reason)
        else:
            batches.setdefault(file_format.name, []).append(index)
    for format_name, indexes in batches.items():
        loaded = _file_formats[format_name].load([files[index] for index in indexes], by=by, reason=reason)
        results.update(zip(indexes, loaded, strict=True))
    return [results[index] for index in range(len(files))]


def _source_name(source: LibrarySource) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    if isinstance(source, bytes):
        return ""
    return Path(str(getattr(source, "name", "") or "")).name


def read_source(source: LibrarySource) -> bytes:
    """The bytes of a library given as bytes, a path or an open file (an upload).

    An open file is read one byte past the size limit, so that an oversized upload is
    refused by the parser without being read whole.
    """
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            return handle.read(library_format.MAXIMUM_SIZE + 1)
    return source.read(library_format.MAXIMUM_SIZE + 1)


def _is_person(by: Any) -> bool:
    return getattr(by, "pk", None) is not None


def domains_needed(library: library_format.Library) -> set[Domain]:
    """The domains whose CHANGE grant over every tree loading `library` needs."""
    kinds = registry.registered_kinds()
    domains = {kinds[kind].domain for kind in library.objects if kind in kinds}
    return domains or {LoadedLibrary.scope.domain}


def may_load_libraries(person: Any, domains: set[Domain] | None = None) -> bool:
    """Whether `person` may load libraries whose kinds belong to `domains`: library data
    belongs to the whole organisation, so it needs the CHANGE grant over every tree on
    each of them. Without `domains`: whether `person` may load a library of at least one
    registered kind (the upload pages open to them; each file is checked on its own)."""
    if domains is None:
        registered = {loader.domain for loader in registry.registered_kinds().values()}
        return any(has_grant_everywhere(person, domain, Action.CHANGE) for domain in registered)
    return all(has_grant_everywhere(person, domain, Action.CHANGE) for domain in domains)


def load_library(source: LibrarySource, *, by: Any, reason: str = "") -> LoadResult:
    """Load a library file, or refuse it whole.

    Objects are upserted by URN and never duplicated. A version lower than the loaded
    one is refused; the same version is accepted only when its content is identical
    (nothing is written); a newer version is applied and what it added, changed and
    no longer holds is kept in `LoadedLibrary.last_changes`. Objects a new version no
    longer holds stay in Garrison, because scenarios and assessments may use them.
    `by` is the acting person, who needs the CHANGE grant over every organisation tree
    on each kind's domain; None (or a label such as "seed-demo") is the system.
    """
    content = read_source(source)
    if _format_of(_source_name(source), content) is not None:
        # An OSCAL catalog or profile, say, given to the upload or the command.
        return load_files([(_source_name(source), content)], by=by, reason=reason)[0]
    parsed = library_format.parse_library(content, registry.parsers())
    if parsed.library is None:
        return LoadResult(status=LoadStatus.REFUSED, errors=parsed.messages)
    library = parsed.library
    if _is_person(by) and not may_load_libraries(by, domains_needed(library)):
        raise PermissionDenied(
            _("Loading this library needs the right to change its data across the whole organisation.")
        )
    try:
        with transaction.atomic():
            return _load(library, by=by, reason=reason)
    except _Refused as refusal:
        return LoadResult(
            status=LoadStatus.REFUSED,
            urn=library.urn,
            name=library.name,
            version=library.version,
            errors=refusal.errors,
        )


def _load(library: library_format.Library, *, by: Any, reason: str) -> LoadResult:
    missing = [urn for urn in library.dependencies if not LoadedLibrary.objects.filter(urn=urn).exists()]
    if missing:
        raise _Refused([f"{library.urn}, dependencies: load {urn} first" for urn in missing])
    existing = LoadedLibrary.objects.select_for_update().filter(urn=library.urn).first()
    result = LoadResult(
        status=LoadStatus.ADDED if existing is None else LoadStatus.UPGRADED,
        urn=library.urn,
        name=library.name,
        version=library.version,
        previous_version=existing.version if existing else None,
    )
    if existing is not None:
        if library.version < existing.version:
            raise _Refused(
                [
                    f"{library.urn}, version: {library.version} is older than version "
                    f"{existing.version}, which is loaded"
                ]
            )
        if library.version == existing.version:
            if library.content_sha256 != existing.content_sha256:
                raise _Refused(
                    [
                        f"{library.urn}, version: version {library.version} is already loaded with "
                        "different content; give the changed library a higher version"
                    ]
                )
            result.status = LoadStatus.UNCHANGED
            result.kinds = {
                kind: KindOutcome(unchanged=[obj.urn for obj in objects])
                for kind, objects in library.objects.items()
            }
            result.library = existing
            return result

    context = ApplyContext(
        library_urn=library.urn,
        library_name=library.name,
        by=by,
        reason=reason or f"library {library.urn} version {library.version}",
    )
    earlier_kinds = set(existing.object_counts) if existing else set()
    errors: list[str] = []
    for kind, loader in registry.registered_kinds().items():
        if kind not in library.objects and kind not in earlier_kinds:
            continue
        outcome = loader.apply(library.objects.get(kind, ()), context)
        result.kinds[kind] = outcome
        errors.extend(outcome.errors)
    if errors:
        raise _Refused(errors)

    loaded = existing or LoadedLibrary(urn=library.urn)
    before = audit.snapshot(loaded) if existing else {}
    loaded.version = library.version
    loaded.name = library.name
    loaded.name_zh = library.name_zh
    loaded.description = library.description
    loaded.publisher = library.publisher
    loaded.content_sha256 = library.content_sha256
    loaded.object_counts = library.object_counts()
    loaded.last_changes = (
        {kind: outcome.changes() for kind, outcome in result.kinds.items()} if existing else {}
    )
    loaded.loaded_at = timezone.now()
    loaded.loaded_by = by if _is_person(by) else None
    loaded.full_clean()
    loaded.save()
    action = AuditAction.UPDATE if existing else AuditAction.CREATE
    event = audit.pending_for(
        loaded, action, by=by, changes=audit.diff(before, audit.snapshot(loaded)), reason=context.reason
    )
    audit.record_many([*context.events, event])
    result.library = loaded
    return result
