"""The libraries Garrison ships, and loading them.

Each app that ships libraries keeps them as ``<app>/data/*.yaml`` and names that folder
with `register_shipped_directory` from its `AppConfig.ready()` (the library app's own
``library/data`` is always there). They are loaded by `garrison library load-shipped`,
by the demo, and after every `migrate` of a database that already holds an organisation
(LibraryConfig.ready(), ADR 0010), each after the libraries it depends on. Loading is
idempotent: a version already loaded is left as it is, and only a newer shipped version
writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from garrison.library.services import LoadResult, load_library

SHIPPED_DIRECTORY = Path(__file__).resolve().parent / "data"

_directories: list[Path] = [SHIPPED_DIRECTORY]


def register_shipped_directory(directory: Path) -> None:
    """Add an app's folder of shipped library files; adding it again is harmless."""
    directory = directory.resolve()
    if directory not in _directories:
        _directories.append(directory)


def _header(path: Path) -> tuple[str, list[str]]:
    """The library's URN and the URNs it depends on, read without validating the rest
    (a malformed file is refused, with its reasons, when it is loaded)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return str(path), []
    if not isinstance(document, dict):
        return str(path), []
    dependencies = document.get("dependencies") or []
    return str(document.get("urn") or path), [str(item) for item in dependencies if isinstance(item, str)]


def shipped_library_paths() -> list[Path]:
    """Every shipped file, each after the shipped libraries it depends on, otherwise by name."""
    paths = sorted(
        (path for directory in _directories for path in directory.glob("*.yaml")), key=lambda p: p.name
    )
    headers = {path: _header(path) for path in paths}
    by_urn = {urn: path for path, (urn, _dependencies) in headers.items()}
    ordered: list[Path] = []
    visiting: set[Path] = set()

    def place(path: Path) -> None:
        if path in ordered or path in visiting:
            return  # placed already, or a cycle: the loader refuses it with the reason
        visiting.add(path)
        for dependency in headers[path][1]:
            if dependency in by_urn:
                place(by_urn[dependency])
        visiting.discard(path)
        ordered.append(path)

    for path in paths:
        place(path)
    return ordered


def load_shipped_libraries(*, by: Any = None) -> list[tuple[Path, LoadResult]]:
    """Load every shipped library; each one is all-or-nothing on its own."""
    return [(path, load_library(path, by=by)) for path in shipped_library_paths()]
