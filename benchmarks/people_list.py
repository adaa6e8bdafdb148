"""How fast the people list API answers on a large organisation (`make benchmark`).

Builds a throwaway SQLite installation, runs `seed-demo --scale 100` (about 19,000
people) and times GET /api/people/ through the whole Django stack (middleware,
session, scoping, serialisation) with the test client, logged in as demo users.
Prints a markdown table: median and 95th percentile over the timed requests, and
the SQL queries each request makes. Target: median under 50 ms for a page of 50.

    .venv/bin/python benchmarks/people_list.py [--scale 100] [--requests 50] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

TARGET_MEDIAN_MS = 50.0


@dataclass(frozen=True)
class Variant:
    label: str
    username: str
    query: str


@dataclass(frozen=True)
class Measurement:
    variant: Variant
    median_ms: float
    p95_ms: float
    queries: int
    rows: int


def variants(beijing_id: int) -> list[Variant]:
    return [
        Variant("page 1 of 50", "admin", "page_size=50"),
        Variant("page 1 of 5", "admin", "page_size=5"),
        Variant("page 200 of 50", "admin", "page_size=50&page=200"),
        Variant("sorted by unit name", "admin", "page_size=50&ordering=unit__name"),
        Variant("sorted by name, descending", "admin", "page_size=50&ordering=-full_name"),
        Variant("filtered: on leave", "admin", "page_size=50&employment_status=on_leave"),
        Variant("filtered: within Beijing site", "admin", f"page_size=50&within={beijing_id}"),
        Variant("searched: engineer", "admin", "page_size=50&search=engineer"),
        Variant("scoped: Risk Owner of IDC Operations", "riskowner", "page_size=50"),
        Variant("scoped: Security Officer of Beijing", "secofficer", "page_size=50"),
    ]


def measure(variant: Variant, *, requests: int, warmup: int) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person

    client = Client()
    client.force_login(Person.objects.get(username=variant.username))
    url = f"/api/people/?{variant.query}"
    for _ in range(warmup):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    # Counting queries slows a request down, so it is a separate, untimed one.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return Measurement(
        variant=variant,
        median_ms=statistics.median(timings),
        p95_ms=statistics.quantiles(timings, n=20, method="inclusive")[18],
        queries=len(captured),
        rows=len(response.json()["results"]),
    )


def table(measurements: list[Measurement]) -> str:
    lines = [
        "| request | as | rows | median ms | p95 ms | queries |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for item in measurements:
        lines.append(
            f"| {item.variant.label} | {item.variant.username} | {item.rows} "
            f"| {item.median_ms:.1f} | {item.p95_ms:.1f} | {item.queries} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per variant")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests before timing")
    parser.add_argument("--data-dir", type=Path, help="keep the installation here (reused if seeded)")
    options = parser.parse_args(argv)

    data_dir = demo_database.configure(options.data_dir)
    import django

    django.setup()
    try:
        prepared = demo_database.prepare(scale=options.scale, seed=options.seed, data_dir=data_dir)
        from garrison.core.models import OrgUnit

        beijing_id = OrgUnit.objects.get(code="bj").pk
        measurements = [
            measure(variant, requests=options.requests, warmup=options.warmup)
            for variant in variants(beijing_id)
        ]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# People list API on SQLite, seed-demo --scale {options.scale}\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    if prepared.seed_seconds is None:
        print(f"- data: {prepared.summary}")
    else:
        print(f"- data: {prepared.summary} (seed-demo took {prepared.seed_seconds:.1f} s)")
    print(f"- {options.requests} timed requests per row after {options.warmup} warm-up requests\n")
    print(table(measurements))
    headline = measurements[0]
    verdict = "meets" if headline.median_ms < TARGET_MEDIAN_MS else "MISSES"
    print(
        f"\nPage of 50: median {headline.median_ms:.1f} ms, {verdict} the {TARGET_MEDIAN_MS:.0f} ms target."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
