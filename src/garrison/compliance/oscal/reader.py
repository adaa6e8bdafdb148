"""Reading OSCAL catalogs and profiles (JSON) through compliance-trestle's models. Pure: no Django.

`read_oscal` checks a file with trestle's pydantic models and returns either a catalog
already turned into a `FrameworkDefinition` (groups become headings, controls and
control enhancements assessable requirements) or a `ProfileRequest` saying which
catalog each import needs and which controls it selects; `select_controls` then builds
the profile's framework from a catalog's definition. Every problem is an `OscalError`
naming the file, the JSON path of the element and the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pydantic

from garrison.compliance.library_format import FrameworkDefinition, RequirementDefinition
from garrison.library.format import MAXIMUM_SIZE

if TYPE_CHECKING:
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.profile import Profile

OSCAL_MAXIMUM_SIZE = 4 * MAXIMUM_SIZE
MAXIMUM_REPORTED_ERRORS = 20
CATALOG_URN_PREFIX = "urn:oscal:catalog:"
PROFILE_URN_PREFIX = "urn:oscal:profile:"
INSERT_PATTERN = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")
NAME_LIMIT = 500
REFERENCE_LIMIT = 100


@dataclass(frozen=True)
class OscalError:
    """One problem in an OSCAL file: which file, where in it (a JSON path) and what is wrong."""

    filename: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f", {self.path}" if self.path else ""
        return f"{self.filename}{where}: {self.message}"


@dataclass(frozen=True)
class CatalogImport:
    """One `imports` entry of a profile: the catalog it names and the controls it selects."""

    position: int
    href: str
    file_names: tuple[str, ...]
    resource_title: str
    include_all: bool
    included_ids: frozenset[str]
    with_child_controls: frozenset[str]
    excluded_ids: frozenset[str]

    def describe(self) -> str:
        names = ", ".join(self.file_names)
        described = f"{self.href}" + (f" ({names})" if names and names != self.href else "")
        return described + (f", {self.resource_title!r}" if self.resource_title else "")


@dataclass(frozen=True)
class ProfileRequest:
    """A profile as read: its identity and the catalogs it imports."""

    urn: str
    uuid: str
    title: str
    version: str
    provider: str
    remarks: str
    imports: tuple[CatalogImport, ...]


@dataclass(frozen=True)
class OscalDocument:
    """A checked OSCAL file: a catalog's framework, or a profile's request."""

    filename: str
    kind: str  # "catalog" or "profile"
    uuid: str
    title: str
    content_sha256: str
    framework: FrameworkDefinition | None = None
    profile: ProfileRequest | None = None


@dataclass
class ReadResult:
    document: OscalDocument | None
    errors: list[OscalError] = field(default_factory=list)


def looks_like_oscal(filename: str, content: bytes) -> bool:
    """Whether a file should be read as OSCAL: a .json name, or a JSON object opening with
    a top-level `catalog` or `profile` key."""
    if filename.lower().endswith(".json"):
        return True
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and re.match(rb'\{\s*"(catalog|profile)"', head) is not None


def read_oscal(content: bytes, filename: str) -> ReadResult:
    """Check an OSCAL JSON file and read its catalog or profile."""
    filename = filename or "the file"
    if len(content) > OSCAL_MAXIMUM_SIZE:
        return _failed(filename, "", f"the file is larger than {OSCAL_MAXIMUM_SIZE} bytes")
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return _failed(filename, "", "the file is not UTF-8 text")
    except json.JSONDecodeError as error:
        return _failed(
            filename, "", f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        )
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in ("catalog", "profile"):
        message = "an OSCAL file must hold one object with a single top-level key, catalog or profile"
        keys = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
        return _failed(filename, "$", f"{message} (found: {keys or 'nothing'})")
    kind = next(iter(data))
    # trestle's models take a noticeable time to import: only a process that reads OSCAL pays it.
    from trestle.common.err import TrestleError
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.profile import Profile

    model_class: Any = Catalog if kind == "catalog" else Profile
    try:
        model = model_class.model_validate(data[kind])
    except pydantic.ValidationError as error:
        return ReadResult(None, _validation_errors(filename, kind, error))
    except TrestleError as error:
        return _failed(filename, f"{kind}.metadata.oscal-version", str(error))
    digest = _content_hash(data)
    if kind == "catalog":
        framework = catalog_framework(model)
        document = OscalDocument(filename, kind, str(model.uuid), framework.name, digest, framework=framework)
        return ReadResult(document)
    request = profile_request(model)
    return ReadResult(OscalDocument(filename, kind, request.uuid, request.title, digest, profile=request))


def _failed(filename: str, path: str, message: str) -> ReadResult:
    return ReadResult(None, [OscalError(filename, path, message)])


def _content_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _validation_errors(filename: str, kind: str, error: pydantic.ValidationError) -> list[OscalError]:
    errors = []
    for item in error.errors()[:MAXIMUM_REPORTED_ERRORS]:
        path = kind
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif str(part)[:1].isupper():
                # pydantic names the alternative of a union it tried (Import1, Import2): not a JSON key.
                continue
            else:
                path += f".{part}"
        errors.append(OscalError(filename, path, f"{item['msg']} (trestle validation)"))
    hidden = error.error_count() - MAXIMUM_REPORTED_ERRORS
    if hidden > 0:
        errors.append(OscalError(filename, "", f"and {hidden} more validation errors"))
    return errors


# Catalogs -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A trestle value as text: some are pydantic root models wrapping a string."""
    if value is None:
        return ""
    return str(getattr(value, "root", value))


def _children(element: Any, name: str) -> list[Any]:
    """An element's nested groups or controls: trestle models a group with either as
    different classes of a union, so the attribute may not exist at all."""
    return list(getattr(element, name, None) or [])


def _label(element: Any) -> str:
    """An element's label prop; the one without a class (AC-2(1)) before styled ones (AC-02(01))."""
    labels = [prop for prop in _children(element, "props") if _text(prop.name) == "label"]
    labels.sort(key=lambda prop: prop.class_ is not None)
    return _text(labels[0].value) if labels else ""


def _flatten(parts: Iterable[Any] | None, parameters: dict[str, str], indent: str = "") -> list[str]:
    lines = []
    for part in parts or []:
        prose = _text(part.prose)
        label = _label(part)
        if prose or label:
            prose = INSERT_PATTERN.sub(
                lambda match: f"[{parameters.get(match.group(1), match.group(1))}]", prose
            )
            lines.append(f"{indent}{label} {prose}".strip() if label else f"{indent}{prose}")
        lines.extend(
            _flatten(_children(part, "parts"), parameters, indent + "  " if (prose or label) else indent)
        )
    return lines


def _statement(control: Any) -> str:
    """The control's statement prose, flattened, with parameters shown by their labels."""
    parameters = {
        _text(parameter.id): _text(parameter.label) or _text(parameter.id)
        for parameter in _children(control, "params")
    }
    statements = [part for part in _children(control, "parts") if _text(part.name) == "statement"]
    return "\n".join(_flatten(statements, parameters)).strip()


def catalog_framework(catalog: Catalog) -> FrameworkDefinition:
    """A catalog as a framework: groups are headings, controls (and their enhancements) assessable."""
    urn = f"{CATALOG_URN_PREFIX}{_text(catalog.uuid).lower()}"
    nodes: list[RequirementDefinition] = []

    def add_control(control: Any, parent: str, depth: int) -> None:
        control_id = _text(control.id)
        node_urn = f"{urn}:{control_id}"
        nodes.append(
            RequirementDefinition(
                urn=node_urn,
                parent_urn=parent,
                ref_id=(_label(control) or control_id)[:REFERENCE_LIMIT],
                name=_text(control.title)[:NAME_LIMIT],
                description=_statement(control),
                is_assessable=True,
                depth=depth,
            )
        )
        for child in _children(control, "controls"):
            add_control(child, node_urn, depth + 1)

    def add_group(group: Any, parent: str, depth: int, position: int) -> None:
        group_id = _text(group.id) or f"group-{depth}-{position}"
        node_urn = f"{urn}:{group_id}"
        nodes.append(
            RequirementDefinition(
                urn=node_urn,
                parent_urn=parent,
                ref_id=(_label(group) or group_id.upper())[:REFERENCE_LIMIT],
                name=_text(group.title)[:NAME_LIMIT],
                is_assessable=False,
                depth=depth,
            )
        )
        for number, child in enumerate(_children(group, "groups"), start=1):
            add_group(child, node_urn, depth + 1, number)
        for control in _children(group, "controls"):
            add_control(control, node_urn, depth + 1)

    for number, group in enumerate(_children(catalog, "groups"), start=1):
        add_group(group, "", 0, number)
    for control in _children(catalog, "controls"):
        add_control(control, "", 0)
    title, version, provider, remarks = _metadata(catalog.metadata)
    return _framework(urn, title, version, provider, remarks, tuple(nodes))


def _metadata(metadata: Any) -> tuple[str, str, str, str]:
    """Title, version, publisher (the first party) and remarks of a document."""
    parties = [_text(party.name) for party in metadata.parties or [] if _text(getattr(party, "name", ""))]
    return (
        _text(metadata.title),
        _text(metadata.version),
        parties[0] if parties else "",
        _text(getattr(metadata, "remarks", "")),
    )


def _framework(
    urn: str, title: str, version: str, provider: str, remarks: str, nodes: tuple[RequirementDefinition, ...]
) -> FrameworkDefinition:
    return FrameworkDefinition(
        urn=urn,
        ref_id=(f"{title} {version}".strip() if len(title) <= 80 else version or title)[:REFERENCE_LIMIT],
        name=title[:300],
        name_zh="",
        description=remarks,
        description_zh="",
        provider=provider[:200],
        requirements=nodes,
        origin="oscal",
    )


# Profiles -------------------------------------------------------------------------------------


def profile_request(profile: Profile) -> ProfileRequest:
    resources = {}
    if profile.back_matter is not None:
        resources = {_text(resource.uuid): resource for resource in profile.back_matter.resources or []}
    imports = []
    for position, entry in enumerate(profile.imports):
        href = _text(entry.href)
        file_names: list[str] = []
        title = ""
        if href.startswith("#") and href[1:] in resources:
            resource = resources[href[1:]]
            title = _text(resource.title) or _text(resource.description)
            file_names = [PurePosixPath(_text(link.href)).name for link in resource.rlinks or []]
        elif not href.startswith("#"):
            file_names = [PurePosixPath(href).name]
        included: set[str] = set()
        with_children: set[str] = set()
        for selection in getattr(entry, "include_controls", None) or []:
            ids = {_text(control_id) for control_id in selection.with_ids or []}
            included |= ids
            if _text(selection.with_child_controls) == "yes":
                with_children |= ids
        excluded = {
            _text(control_id)
            for selection in getattr(entry, "exclude_controls", None) or []
            for control_id in selection.with_ids or []
        }
        imports.append(
            CatalogImport(
                position=position,
                href=href,
                file_names=tuple(dict.fromkeys(file_names)),
                resource_title=title,
                include_all=getattr(entry, "include_all", None) is not None,
                included_ids=frozenset(included),
                with_child_controls=frozenset(with_children),
                excluded_ids=frozenset(excluded),
            )
        )
    uuid = _text(profile.uuid).lower()
    title, version, provider, remarks = _metadata(profile.metadata)
    return ProfileRequest(
        urn=f"{PROFILE_URN_PREFIX}{uuid}",
        uuid=uuid,
        title=title,
        version=version,
        provider=provider,
        remarks=remarks,
        imports=tuple(imports),
    )


def select_controls(
    request: ProfileRequest, catalogs: Sequence[tuple[CatalogImport, FrameworkDefinition]]
) -> FrameworkDefinition:
    """The profile's framework: the controls each import selects from its catalog, under the
    catalog's groups that hold them, in the catalog's reading order."""
    nodes: list[RequirementDefinition] = []
    for catalog_import, catalog in catalogs:
        prefix = f"{catalog.urn}:"
        by_urn = {node.urn: node for node in catalog.requirements}
        selected: set[str] = set()
        passing_children: set[str] = set()
        for node in catalog.requirements:
            if not node.is_assessable:
                continue
            control_id = node.urn.removeprefix(prefix)
            inherited = node.parent_urn in passing_children
            chosen = catalog_import.include_all or control_id in catalog_import.included_ids or inherited
            if not chosen or control_id in catalog_import.excluded_ids:
                continue
            selected.add(node.urn)
            if inherited or control_id in catalog_import.with_child_controls:
                # "with child controls": the enhancements below come along, and theirs too.
                passing_children.add(node.urn)
        kept = set(selected)
        for urn in selected:
            parent_urn = by_urn[urn].parent_urn
            while parent_urn and parent_urn not in kept:
                kept.add(parent_urn)
                parent_urn = by_urn[parent_urn].parent_urn
        for node in catalog.requirements:
            if node.urn in kept:
                nodes.append(
                    RequirementDefinition(
                        urn=f"{request.urn}:{node.urn.removeprefix(prefix)}",
                        parent_urn=f"{request.urn}:{node.parent_urn.removeprefix(prefix)}"
                        if node.parent_urn
                        else "",
                        ref_id=node.ref_id,
                        name=node.name,
                        description=node.description,
                        is_assessable=node.is_assessable,
                        depth=node.depth,
                    )
                )
    return _framework(
        request.urn, request.title, request.version, request.provider, request.remarks, tuple(nodes)
    )
