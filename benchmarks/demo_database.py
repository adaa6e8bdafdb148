"""A throwaway Garrison installation on SQLite, filled by `seed-demo`, for benchmarks.

Settings are read once, when Django starts, so `configure` must run before
`django.setup()`: it points GARRISON_DATA_DIR at a scratch folder and drops any
DATABASE_URL, so a benchmark never touches a real database.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PreparedDatabase:
    data_dir: Path
    seed_seconds: float | None  # None when the folder already held a seeded organisation
    summary: str


def configure(data_dir: Path | None = None) -> Path:
    """Point Garrison at a scratch data folder; call before django.setup()."""
    folder = data_dir or Path(tempfile.mkdtemp(prefix="garrison-benchmark-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["GARRISON_DATA_DIR"] = str(folder)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "garrison.settings"
    # The Django test client calls itself "testserver".
    os.environ["GARRISON_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    return folder


def prepare(*, scale: int, seed: int, data_dir: Path) -> PreparedDatabase:
    """Migrate and seed; call after django.setup(). Reuses an already seeded folder."""
    from django.core.management import call_command

    from garrison.core.demo.runner import organisation_exists

    call_command("migrate", verbosity=0, interactive=False)
    if organisation_exists():
        return PreparedDatabase(data_dir, None, "reused the organisation already in this folder")
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_demo", scale=scale, seed=seed, stdout=out)
    seconds = time.perf_counter() - started
    return PreparedDatabase(data_dir, seconds, out.getvalue().splitlines()[0])
