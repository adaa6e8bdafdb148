"""Importing OSCAL catalogs and profiles as frameworks: the one writer of OSCAL data.

An OSCAL file becomes a framework (`urn:oscal:catalog:<uuid>` or `urn:oscal:profile:<uuid>`,
nodes `<framework urn>:<control id>`) written by the same code as a YAML library's
frameworks (garrison.compliance.library.apply_frameworks), and is recorded as a loaded
library under the framework's URN, so that the library pages list it and a changed file
shows what it changed. Its version counts the different contents imported.

A profile is resolved against its catalog: one imported before (matched by uuid or
title) or one of the same import (matched by the file name the profile's `import.href`
names). When the catalog is missing the import is refused, naming it, and nothing is
written. Each file is all or nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from garrison.compliance.library import apply_frameworks
from garrison.compliance.library_format import FrameworkDefinition, RequirementDefinition
from garrison.compliance.models import Framework, FrameworkOrigin
from garrison.compliance.oscal.reader import (
    CATALOG_URN_PREFIX,
    OSCAL_MAXIMUM_SIZE,
    CatalogImport,
    OscalDocument,
    read_oscal,
    select_controls,
)
from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Domain
from garrison.library.models import LoadedLibrary
from garrison.library.registry import ApplyContext, KindOutcome
from garrison.library.services import LoadResult, LoadStatus, may_load_libraries

FRAMEWORKS = "frameworks"
OscalSource = bytes | str | os.PathLike[str] | IO[bytes]


class _Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _read(source: OscalSource, filename: str) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return filename, source
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        with path.open("rb") as handle:
            return filename or path.name, handle.read(OSCAL_MAXIMUM_SIZE + 1)
    return filename or Path(getattr(source, "name", "") or "").name, source.read(OSCAL_MAXIMUM_SIZE + 1)


def import_oscal(source: OscalSource, *, by: Any, filename: str = "", reason: str = "") -> LoadResult:
    """Import one OSCAL catalog or profile (JSON) as a framework, or refuse it whole.

    `by` is the acting person, who needs the CHANGE grant on compliance over every
    organisation tree; None (or a label) is the system.
    """
    name, content = _read(source, filename)
    return import_oscal_files([(name, content)], by=by, reason=reason)[0]


def import_oscal_files(
    sources: Sequence[tuple[str, bytes]], *, by: Any, reason: str = ""
) -> list[LoadResult]:
    """Import several OSCAL files, catalogs before profiles so that a profile finds its
    catalog among them; one result per file, in the order given, each all or nothing."""
    if getattr(by, "pk", None) is not None and not may_load_libraries(by, {Domain.COMPLIANCE}):
        raise PermissionDenied(
            _(
                "Importing a framework needs the right to change compliance data "
                "across the whole organisation."
            )
        )
    read = [read_oscal(content, name) for name, content in sources]
    results: list[LoadResult | None] = [None] * len(sources)
    catalogs_by_file: dict[str, FrameworkDefinition] = {}
    order = sorted(
        range(len(sources)),
        key=lambda index: read[index].document is None or read[index].document.kind != "catalog",  # type: ignore[union-attr]
    )
    for index in order:
        outcome = read[index]
        if outcome.document is None:
            results[index] = LoadResult(
                status=LoadStatus.REFUSED, errors=[str(error) for error in outcome.errors]
            )
            continue
        document = outcome.document
        result = _import_document(document, catalogs_by_file, by=by, reason=reason)
        if document.framework is not None and not result.is_refused:
            catalogs_by_file[Path(document.filename).name] = document.framework
        results[index] = result
    return [result for result in results if result is not None]


def _import_document(
    document: OscalDocument, catalogs_by_file: dict[str, FrameworkDefinition], *, by: Any, reason: str
) -> LoadResult:
    try:
        framework = document.framework or _resolve_profile(document, catalogs_by_file)
        with transaction.atomic():
            return _write(document, framework, by=by, reason=reason)
    except _Refused as refusal:
        return LoadResult(status=LoadStatus.REFUSED, urn="", name=document.title, errors=refusal.errors)


def _resolve_profile(
    document: OscalDocument, catalogs_by_file: dict[str, FrameworkDefinition]
) -> FrameworkDefinition:
    request = document.profile
    assert request is not None  # a document is a catalog or a profile
    resolved: list[tuple[CatalogImport, FrameworkDefinition]] = []
    missing = []
    for catalog_import in request.imports:
        catalog = _find_catalog(catalog_import, catalogs_by_file)
        if catalog is None:
            missing.append(
                f"{document.filename}, profile.imports[{catalog_import.position}].href: the catalog "
                f"{catalog_import.describe()} is not imported; import it first, or together with this profile"
            )
        else:
            resolved.append((catalog_import, catalog))
    if missing:
        raise _Refused(missing)
    framework = select_controls(request, resolved)
    if not framework.requirements:
        raise _Refused(
            [f"{document.filename}, profile.imports: the profile selects no control of its catalogs"]
        )
    return framework


def _find_catalog(
    catalog_import: CatalogImport, catalogs_by_file: dict[str, FrameworkDefinition]
) -> FrameworkDefinition | None:
    for name in catalog_import.file_names:
        if name in catalogs_by_file:
            return catalogs_by_file[name]
    candidates = Framework.objects.filter(origin=FrameworkOrigin.OSCAL, urn__startswith=CATALOG_URN_PREFIX)
    href_uuid = catalog_import.href.removeprefix("#").lower()
    framework = candidates.filter(urn=f"{CATALOG_URN_PREFIX}{href_uuid}").first()
    if framework is None and catalog_import.resource_title:
        framework = candidates.filter(name=catalog_import.resource_title).first()
    return _definition_from_database(framework) if framework is not None else None


def _definition_from_database(framework: Framework) -> FrameworkDefinition:
    """An imported catalog as the definition a profile selects from."""
    urns = dict(framework.requirements.values_list("pk", "urn"))
    nodes = tuple(
        RequirementDefinition(
            urn=node.urn,
            parent_urn=urns.get(node.parent_id, "") if node.parent_id else "",
            ref_id=node.reference,
            name=node.name,
            description=node.description,
            is_assessable=node.is_assessable,
            depth=node.depth,
        )
        for node in framework.requirements.order_by("order")
    )
    return FrameworkDefinition(
        urn=framework.urn,
        ref_id=framework.reference,
        name=framework.name,
        name_zh=framework.name_zh,
        description=framework.description,
        description_zh=framework.description_zh,
        provider=framework.provider,
        requirements=nodes,
        origin=FrameworkOrigin.OSCAL,
    )


def _write(document: OscalDocument, framework: FrameworkDefinition, *, by: Any, reason: str) -> LoadResult:
    existing = LoadedLibrary.objects.select_for_update().filter(urn=framework.urn).first()
    result = LoadResult(
        status=LoadStatus.ADDED if existing is None else LoadStatus.UPGRADED,
        urn=framework.urn,
        name=framework.name,
        version=1 if existing is None else existing.version + 1,
        previous_version=existing.version if existing else None,
    )
    if existing is not None and existing.content_sha256 == document.content_sha256:
        result.status = LoadStatus.UNCHANGED
        result.version = existing.version
        result.kinds = {FRAMEWORKS: KindOutcome(unchanged=[framework.urn])}
        result.library = existing
        return result
    context = ApplyContext(
        library_urn=framework.urn,
        library_name=framework.name,
        by=by,
        reason=reason or f"OSCAL {document.kind} {document.filename}",
    )
    outcome = apply_frameworks([framework], context)
    result.kinds[FRAMEWORKS] = outcome
    if outcome.errors:
        raise _Refused([f"{document.filename}: {error}" for error in outcome.errors])
    loaded = existing or LoadedLibrary(urn=framework.urn)
    before = audit.snapshot(loaded) if existing else {}
    loaded.version = result.version or 1
    loaded.name = framework.name[:200]
    loaded.description = _("OSCAL %(kind)s imported from %(file)s") % {
        "kind": document.kind,
        "file": document.filename,
    }
    loaded.publisher = framework.provider
    loaded.content_sha256 = document.content_sha256
    loaded.object_counts = {FRAMEWORKS: 1}
    loaded.last_changes = {FRAMEWORKS: outcome.changes()} if existing else {}
    loaded.loaded_at = timezone.now()
    loaded.loaded_by = by if getattr(by, "pk", None) is not None else None
    loaded.full_clean()
    loaded.save()
    action = AuditAction.UPDATE if existing else AuditAction.CREATE
    event = audit.pending_for(
        loaded, action, by=by, changes=audit.diff(before, audit.snapshot(loaded)), reason=context.reason
    )
    audit.record_many([*context.events, event])
    result.library = loaded
    return result
