"""The libraries Garrison ships (``library/data/*.yaml``), and loading them.

They are loaded by `garrison library load-shipped`, by the demo, and after every
`migrate` of a database that already holds an organisation (LibraryConfig.ready(),
ADR 0010). Loading is idempotent: a version already loaded is left as it is, and only
a newer shipped version writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from garrison.library.services import LoadResult, load_library

SHIPPED_DIRECTORY = Path(__file__).resolve().parent / "data"


def shipped_library_paths() -> list[Path]:
    return sorted(SHIPPED_DIRECTORY.glob("*.yaml"))


def load_shipped_libraries(*, by: Any = None) -> list[tuple[Path, LoadResult]]:
    """Load every shipped library; each one is all-or-nothing on its own."""
    return [(path, load_library(path, by=by)) for path in shipped_library_paths()]
