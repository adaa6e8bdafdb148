"""The library file format, read into dataclasses. Pure module: no Django import.

A library is one YAML document (docs/library-format.md): a header naming it by URN
and version, then `objects`, a mapping of object kind to a list of objects, each
keyed by its own URN. `parse_library` checks the header and hands each object to the
parser registered for its kind; every problem found is reported as a `FormatError`
naming the object (by URN, or by kind and position when it has none) and the field,
and nothing is returned half-parsed: a library with errors has `library=None`.

The parsers of the risk kinds (`risk_matrices`, `threats`) live here because the
format defines them; kinds added later (compliance's frameworks) bring their own
parsers, registered with the loader in garrison.library.registry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from garrison.risks.matrix import Matrix, MatrixError

# Larger files are refused before parsing: a library is text written by people.
MAXIMUM_SIZE = 5 * 1024 * 1024
URN_PATTERN = re.compile(r"^urn:[a-z0-9][a-z0-9-]*(:[a-z0-9][a-z0-9._-]*)+$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
LEVEL_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
URN_MAX_LENGTH = 200
NAME_MAX_LENGTH = 200
REFERENCE_MAX_LENGTH = 40
CATEGORY_MAX_LENGTH = 60
HEADER_FIELDS = frozenset(
    {
        "urn",
        "version",
        "name",
        "name_zh",
        "description",
        "description_zh",
        "publisher",
        "licence",
        "dependencies",
        "objects",
    }
)
TEXT_FIELDS = ("name", "name_zh", "description", "description_zh")


@dataclass(frozen=True)
class FormatError:
    """One problem in a library: where (an object's URN, or the library's), which field
    (and which part of it, such as ``row 3``) and what is wrong."""

    location: str
    field: str
    message: str
    part: str = ""

    def __str__(self) -> str:
        where = f"{self.field} {self.part}".strip()
        return f"{self.location}, {where}: {self.message}" if where else f"{self.location}: {self.message}"


class Problems:
    """Collects the errors of one object, all with the same location."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.errors: list[FormatError] = []

    def add(self, field_name: str, message: str, part: str = "") -> None:
        self.errors.append(FormatError(self.location, field_name, message, part))

    def __bool__(self) -> bool:
        return bool(self.errors)


# An object parser reads one raw object (already known to be a mapping) and returns
# its dataclass, or None after adding at least one problem.
ObjectParser = Callable[[Mapping[str, Any], Problems], Any]


@dataclass(frozen=True)
class Library:
    """A parsed library: its header, and its objects by kind in the file's order.

    `content_sha256` is the hash of the document's data (not of its bytes), so that
    comments and layout do not make the same version "different".
    """

    urn: str
    version: int
    name: str
    name_zh: str
    description: str
    description_zh: str
    publisher: str
    licence: str
    dependencies: tuple[str, ...]
    objects: Mapping[str, tuple[Any, ...]]
    content_sha256: str

    def object_counts(self) -> dict[str, int]:
        return {kind: len(items) for kind, items in self.objects.items()}


@dataclass(frozen=True)
class ParseResult:
    library: Library | None
    errors: list[FormatError] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]


# Reading --------------------------------------------------------------------------------------


class _SafeLoaderWithoutAliases(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases: a library never needs them, and
    nested aliases can make a small file expand to an enormous one (a "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a library", event.start_mark
            )
        return super().compose_node(parent, index)


def read_document(source: str | bytes) -> tuple[Any, list[FormatError]]:
    """The YAML document of `source`, or the errors that kept it from being read."""
    if isinstance(source, bytes):
        if len(source) > MAXIMUM_SIZE:
            return None, [FormatError("library", "", f"the file is larger than {MAXIMUM_SIZE} bytes")]
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [FormatError("library", "", "the file is not UTF-8 text")]
    else:
        text = source
        if len(text.encode("utf-8")) > MAXIMUM_SIZE:
            return None, [FormatError("library", "", f"the file is larger than {MAXIMUM_SIZE} bytes")]
    if "\x00" in text:
        return None, [FormatError("library", "", "the file is not text")]
    try:
        # Only the first document counts; a second one is an error, not ignored.
        documents = list(yaml.load_all(text, Loader=_SafeLoaderWithoutAliases))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return None, [FormatError("library", "", f"not valid YAML{where}: {problem}")]
    except (RecursionError, ValueError) as error:
        return None, [FormatError("library", "", f"not valid YAML: {error}")]
    if len(documents) != 1:
        return None, [FormatError("library", "", "the file must hold exactly one YAML document")]
    return documents[0], []


def content_hash(document: Any) -> str:
    """SHA-256 of the document's data in a canonical JSON form."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_library(source: str | bytes, parsers: Mapping[str, ObjectParser]) -> ParseResult:
    """Read a library; `parsers` maps each object kind this installation knows to its parser."""
    document, errors = read_document(source)
    if errors:
        return ParseResult(None, errors)
    if not isinstance(document, Mapping):
        return ParseResult(None, [FormatError("library", "", "the file must hold a mapping of fields")])
    header = Problems(_library_location(document))
    for key in document:
        if key not in HEADER_FIELDS:
            header.add(str(key), "unknown field")
    urn = required_urn(document, header)
    version = document.get("version")
    if version is None:
        header.add("version", "required")
    elif not is_whole_number(version) or version < 1:
        header.add("version", "must be a whole number of at least 1")
    texts = read_texts(document, header, required=("name",))
    publisher = optional_text(document, "publisher", header, NAME_MAX_LENGTH)
    licence = optional_text(document, "licence", header, NAME_MAX_LENGTH)
    dependencies = _dependencies(document.get("dependencies"), header)
    objects: dict[str, tuple[Any, ...]] = {}
    raw_objects = document.get("objects")
    problems: list[FormatError] = list(header.errors)
    if not isinstance(raw_objects, Mapping) or not raw_objects:
        message = "required: a mapping of object kinds to lists of objects, with at least one object"
        problems.append(FormatError(header.location, "objects", message))
        raw_objects = {}
    seen_urns: dict[str, str] = {}
    for kind, items in raw_objects.items():
        parsed, kind_errors = _parse_kind(str(kind), items, parsers, seen_urns, header.location)
        problems.extend(kind_errors)
        objects[str(kind)] = parsed
    if problems:
        return ParseResult(None, problems)
    library = Library(
        urn=urn,
        version=int(version),  # type: ignore[arg-type]  # checked above
        name=texts["name"],
        name_zh=texts["name_zh"],
        description=texts["description"],
        description_zh=texts["description_zh"],
        publisher=publisher,
        licence=licence,
        dependencies=dependencies,
        objects=objects,
        content_sha256=content_hash(document),
    )
    return ParseResult(library, [])


def _library_location(document: Mapping[str, Any]) -> str:
    urn = document.get("urn")
    return urn if isinstance(urn, str) and urn.strip() else "library"


def _dependencies(value: Any, problems: Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add("dependencies", "must be a list of library URNs")
        return ()
    for item in value:
        if not URN_PATTERN.match(item):
            problems.add("dependencies", f"{item!r} is not a URN")
    return tuple(value)


def _parse_kind(
    kind: str,
    items: Any,
    parsers: Mapping[str, ObjectParser],
    seen_urns: dict[str, str],
    library_location: str,
) -> tuple[tuple[Any, ...], list[FormatError]]:
    parser = parsers.get(kind)
    if parser is None:
        known = ", ".join(sorted(parsers)) or "none"
        message = f"unknown object kind {kind!r} (this installation knows: {known})"
        return (), [FormatError(library_location, "objects", message)]
    if not isinstance(items, list):
        return (), [FormatError(library_location, kind, "must be a list of objects")]
    parsed: list[Any] = []
    errors: list[FormatError] = []
    for position, raw in enumerate(items, start=1):
        fallback = f"{kind} {position}"
        if not isinstance(raw, Mapping):
            errors.append(FormatError(fallback, "", "must be a mapping of fields"))
            continue
        raw_urn = raw.get("urn")
        location = raw_urn if isinstance(raw_urn, str) and raw_urn.strip() else fallback
        problems = Problems(location)
        if isinstance(raw_urn, str) and raw_urn in seen_urns:
            problems.add("urn", f"also used by another object in {seen_urns[raw_urn]}")
        elif isinstance(raw_urn, str):
            seen_urns[raw_urn] = kind
        result = parser(raw, problems)
        if problems or result is None:
            errors.extend(problems.errors or [FormatError(location, "", "could not be read")])
        else:
            parsed.append(result)
    return tuple(parsed), errors


# Field readers, shared by the object parsers (compliance's included) ---------------------------


def is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_fields(raw: Mapping[str, Any], allowed: Iterable[str], problems: Problems) -> None:
    """Report fields the kind does not define: a typo should not vanish silently."""
    allowed_set = set(allowed)
    for key in raw:
        if key not in allowed_set:
            problems.add(str(key), "unknown field")


def required_urn(raw: Mapping[str, Any], problems: Problems) -> str:
    value = raw.get("urn")
    if value is None or value == "":
        problems.add("urn", "required")
        return ""
    if not isinstance(value, str):
        problems.add("urn", "must be text")
        return ""
    if len(value) > URN_MAX_LENGTH:
        problems.add("urn", f"is longer than {URN_MAX_LENGTH} characters")
    elif not URN_PATTERN.match(value):
        problems.add("urn", "must look like urn:publisher:kind:name, in lower case (letters, digits, . _ -)")
    return value


def optional_text(
    raw: Mapping[str, Any], name: str, problems: Problems, max_length: int | None = None
) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(name, "must be text")
        return ""
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        problems.add(name, f"is longer than {max_length} characters")
    return value


def required_text(
    raw: Mapping[str, Any], name: str, problems: Problems, max_length: int | None = None
) -> str:
    value = optional_text(raw, name, problems, max_length)
    if not value and (raw.get(name) is None or isinstance(raw.get(name), str)):
        problems.add(name, "required")
    return value


def read_texts(
    raw: Mapping[str, Any], problems: Problems, *, required: Sequence[str] = ("name",)
) -> dict[str, str]:
    """The bilingual fields every object carries: name, name_zh, description, description_zh."""
    texts = {}
    for name in TEXT_FIELDS:
        limit = NAME_MAX_LENGTH if name.startswith("name") else None
        reader = required_text if name in required else optional_text
        texts[name] = reader(raw, name, problems, limit)
    return texts


def optional_flag(raw: Mapping[str, Any], name: str, problems: Problems) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        problems.add(name, "must be true or false")
        return False
    return value


# Risk matrices --------------------------------------------------------------------------------

MATRIX_FIELDS = (
    "urn",
    *TEXT_FIELDS,
    "likelihood",
    "impact",
    "levels",
    "grid",
    "appetite",
    "is_default",
)
STEP_FIELDS = TEXT_FIELDS
LEVEL_FIELDS = ("key", *TEXT_FIELDS, "colour")


@dataclass(frozen=True)
class ScaleStep:
    """One step of a likelihood or impact scale, lowest first."""

    name: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""

    def as_data(self) -> dict[str, str]:
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "description": self.description,
            "description_zh": self.description_zh,
        }


@dataclass(frozen=True)
class LevelDefinition:
    """A risk level, lowest first: its key (used in the grid), names and colour."""

    key: str
    name: str
    name_zh: str = ""
    colour: str = "#6c757d"
    description: str = ""
    description_zh: str = ""

    def as_data(self) -> dict[str, str]:
        return {
            "key": self.key,
            "name": self.name,
            "name_zh": self.name_zh,
            "colour": self.colour,
            "description": self.description,
            "description_zh": self.description_zh,
        }


@dataclass(frozen=True)
class RiskMatrixDefinition:
    """A risk matrix as a library or a form describes it, checked through `Matrix`.

    `grid` and `appetite` hold level ranks (1-based), as the model stores them; the
    file spells them as level keys.
    """

    urn: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    likelihood: tuple[ScaleStep, ...]
    impact: tuple[ScaleStep, ...]
    levels: tuple[LevelDefinition, ...]
    grid: tuple[tuple[int, ...], ...]
    appetite: int
    is_default: bool

    def stored_shape(self) -> dict[str, Any]:
        """The JSON fields of the model (garrison.risks.models.RiskMatrix)."""
        return {
            "likelihood": [step.as_data() for step in self.likelihood],
            "impact": [step.as_data() for step in self.impact],
            "levels": [level.as_data() for level in self.levels],
            "grid": [list(row) for row in self.grid],
        }

    def level_key(self, rank: int) -> str:
        return self.levels[rank - 1].key


def parse_risk_matrix(raw: Mapping[str, Any], problems: Problems) -> RiskMatrixDefinition | None:
    """A matrix object: two scales, levels with colours, a grid of level keys (one row per
    likelihood step, lowest first; one key per impact step, lowest first) and an appetite."""
    check_fields(raw, MATRIX_FIELDS, problems)
    urn = required_urn(raw, problems)
    texts = read_texts(raw, problems)
    likelihood = _scale(raw.get("likelihood"), "likelihood", problems)
    impact = _scale(raw.get("impact"), "impact", problems)
    levels = _levels(raw.get("levels"), problems)
    rank_of = {level.key: rank for rank, level in enumerate(levels, start=1)}
    grid = _grid(raw.get("grid"), rank_of, len(likelihood), len(impact), problems) if levels else ()
    appetite = _level_rank(raw.get("appetite"), rank_of, "appetite", problems) if levels else 0
    is_default = optional_flag(raw, "is_default", problems)
    if problems:
        return None
    definition = RiskMatrixDefinition(
        urn=urn,
        likelihood=likelihood,
        impact=impact,
        levels=levels,
        grid=grid,
        appetite=appetite,
        is_default=is_default,
        **texts,
    )
    try:
        # The same checks the model applies when it rates a scenario.
        Matrix.from_data(appetite=appetite, **definition.stored_shape())
    except MatrixError as error:
        problems.add("grid", str(error))
        return None
    return definition


def _scale(value: Any, name: str, problems: Problems) -> tuple[ScaleStep, ...]:
    if value is None:
        problems.add(name, "required: a list of steps, lowest first")
        return ()
    if not isinstance(value, list) or not value:
        problems.add(name, "must be a list of at least one step, lowest first")
        return ()
    steps = []
    for number, raw in enumerate(value, start=1):
        part = f"step {number}"
        if isinstance(raw, str):
            # A bare name is enough for a quick matrix.
            raw = {"name": raw}
        if not isinstance(raw, Mapping):
            problems.add(name, "must be a name or a mapping with name, name_zh, description", part)
            continue
        for key in raw:
            if key not in STEP_FIELDS:
                problems.add(name, f"unknown field {key!r}", part)
        texts = _nested_texts(raw, name, part, problems)
        steps.append(ScaleStep(**texts))
    return tuple(steps)


def _nested_texts(raw: Mapping[str, Any], name: str, part: str, problems: Problems) -> dict[str, str]:
    texts = {}
    for text_field in TEXT_FIELDS:
        value = raw.get(text_field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems.add(name, f"{text_field} must be text", part)
            value = ""
        value = value.strip()
        if text_field.startswith("name") and len(value) > NAME_MAX_LENGTH:
            problems.add(name, f"{text_field} is longer than {NAME_MAX_LENGTH} characters", part)
        texts[text_field] = value
    if not texts["name"]:
        problems.add(name, "name required", part)
    return texts


def _levels(value: Any, problems: Problems) -> tuple[LevelDefinition, ...]:
    if not isinstance(value, list) or not value:
        problems.add("levels", "required: a list of at least one level, lowest first")
        return ()
    levels = []
    seen: set[str] = set()
    failed = False
    for number, raw in enumerate(value, start=1):
        part = f"{number}"
        if not isinstance(raw, Mapping):
            problems.add("levels", "must be a mapping with key, name, name_zh and colour", part)
            failed = True
            continue
        for key in raw:
            if key not in LEVEL_FIELDS:
                problems.add("levels", f"unknown field {key!r}", part)
        key = raw.get("key")
        if not isinstance(key, str) or not LEVEL_KEY_PATTERN.match(key):
            problems.add("levels", "key must be a short lower-case word (letters, digits, - _)", part)
            failed = True
            key = ""
        elif key in seen:
            problems.add("levels", f"key {key!r} is used by another level", part)
            failed = True
        seen.add(key)
        texts = _nested_texts(raw, "levels", part, problems)
        colour = raw.get("colour")
        if not isinstance(colour, str) or not COLOUR_PATTERN.match(colour):
            problems.add("levels", f"colour {colour!r} is not a colour like #2e7d32", part)
            colour = "#6c757d"
        levels.append(LevelDefinition(key=key, colour=colour.lower(), **texts))
    return () if failed else tuple(levels)


def _level_rank(value: Any, rank_of: Mapping[str, int], name: str, problems: Problems, part: str = "") -> int:
    if not isinstance(value, str) or not value:
        problems.add(name, "must be the key of a level", part)
        return 0
    if value not in rank_of:
        problems.add(name, f"unknown level {value!r}", part)
        return 0
    return rank_of[value]


def _grid(
    value: Any, rank_of: Mapping[str, int], rows: int, columns: int, problems: Problems
) -> tuple[tuple[int, ...], ...]:
    if not isinstance(value, list) or not value:
        problems.add("grid", "required: one row of level keys per likelihood step, lowest first")
        return ()
    if rows and len(value) != rows:
        problems.add("grid", f"needs {rows} rows, one per likelihood step (it has {len(value)})")
    grid = []
    for number, row in enumerate(value, start=1):
        part = f"row {number}"
        if not isinstance(row, list):
            problems.add("grid", "must be a list of level keys", part)
            continue
        if columns and len(row) != columns:
            problems.add("grid", f"needs {columns} cells, one per impact step (it has {len(row)})", part)
        grid.append(tuple(_level_rank(cell, rank_of, "grid", problems, part) for cell in row))
    return tuple(grid)


# Threats --------------------------------------------------------------------------------------

THREAT_FIELDS = ("urn", "ref_id", *TEXT_FIELDS, "category")


@dataclass(frozen=True)
class ThreatDefinition:
    """Something that could harm assets, as a library describes it."""

    urn: str
    ref_id: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    category: str


def parse_threat(raw: Mapping[str, Any], problems: Problems) -> ThreatDefinition | None:
    check_fields(raw, THREAT_FIELDS, problems)
    urn = required_urn(raw, problems)
    ref_id = required_text(raw, "ref_id", problems, REFERENCE_MAX_LENGTH)
    texts = read_texts(raw, problems)
    category = optional_text(raw, "category", problems, CATEGORY_MAX_LENGTH)
    if problems:
        return None
    return ThreatDefinition(urn=urn, ref_id=ref_id, category=category, **texts)
