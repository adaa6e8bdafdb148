"""How fast the supplier list API answers with 100,000 suppliers, and the supplier dashboard.

Builds a throwaway SQLite installation (benchmarks/supplier_data.py: a small organisation
and `--suppliers` suppliers in the demo's mix of regions, statuses, categories and
documents), then times through the whole Django stack with the test client:

- GET /api/suppliers/suppliers/?page=N (pages of 50): the first page, a middle page and
  the last page, filtered by status, region, category and expiring documents, searched,
  as the Administrator of the Group, and the first page as a Procurement Officer and a
  Security Officer of the Beijing site (scoped to about a twelfth of the register);
- GET /suppliers/dashboard/ as the Administrator and the Beijing Security Officer.

Target: the list API page of 50 < 50 ms median on SQLite on a 2-core machine (the
dashboard is reported, not targeted).

    .venv/bin/python benchmarks/supplier_list.py [--suppliers 100000] [--requests 20]
        [--data-dir DIR]
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

import demo_database  # sibling script modules, found through the path set above
import supplier_data

TARGET_MS = 50.0
API = "/api/suppliers/suppliers/"
DASHBOARD = "/suppliers/dashboard/"


@dataclass(frozen=True)
class Measurement:
    label: str
    username: str
    median_ms: float
    p95_ms: float
    queries: int
    rows: int
    target_ms: float | None


def measure(
    label: str, url: str, username: str, *, requests: int, warmup: int, target_ms: float | None
) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person

    client = Client()
    client.force_login(Person.objects.get(username=username))

    def call() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        if url.startswith(API):
            return len(response.json()["results"])
        return len(response.content)

    for _ in range(warmup):
        call()
    timings = []
    rows = 0
    for _ in range(requests):
        started = time.perf_counter()
        rows = call()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()
    median = statistics.median(timings)
    print(f"{label} as {username}: median {median:.1f} ms", file=sys.stderr, flush=True)
    return Measurement(
        label=label,
        username=username,
        median_ms=median,
        p95_ms=statistics.quantiles(timings, n=20, method="inclusive")[18],
        queries=len(captured),
        rows=rows,
        target_ms=target_ms,
    )


def slowest_query(url: str, username: str) -> str:
    """The slowest SQL of one request, to name what to fix when a target is missed."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person

    client = Client()
    client.force_login(Person.objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    return f"{slowest['time']} s: {slowest['sql'][:600]}"


def table(measurements: list[Measurement]) -> str:
    lines = [
        "| request | as | rows | median ms | p95 ms | queries | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for item in measurements:
        if item.target_ms is None:
            verdict = "(reported)"
        else:
            verdict = f"< {item.target_ms:.0f} ms: {'met' if item.median_ms < item.target_ms else 'MISSED'}"
        lines.append(
            f"| {item.label} | {item.username} | {item.rows} | {item.median_ms:.1f} | {item.p95_ms:.1f} "
            f"| {item.queries} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per row (at least 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before timing")
    parser.add_argument("--data-dir", type=Path, help="keep the installation here (reused if built)")
    options = parser.parse_args(argv)
    if options.requests < 20:
        parser.error("--requests must be at least 20")

    data_dir = demo_database.configure(options.data_dir)
    import django

    django.setup()
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        build_seconds = supplier_data.build(options.suppliers, options.seed)
        from garrison.suppliers.models import QualificationDocument, Supplier

        total = Supplier.objects.count()
        documents = QualificationDocument.objects.count()
        last = max(1, -(-total // 50))
        middle = max(1, last // 2)
        timing = {"requests": options.requests, "warmup": options.warmup}
        api_rows = [
            ("API: first page", f"{API}?page=1", "admin"),
            ("API: middle page", f"{API}?page={middle}", "admin"),
            ("API: last page", f"{API}?page={last}", "admin"),
            ("API: status=rectifying", f"{API}?status=rectifying", "admin"),
            ("API: region=hong_kong_macau_taiwan", f"{API}?region=hong_kong_macau_taiwan", "admin"),
            ("API: category=hardware, page 20", f"{API}?category=hardware&page=20", "admin"),
            ("API: expiring=yes", f"{API}?expiring=yes", "admin"),
            ("API: search=华信", f"{API}?search=华信", "admin"),
            ("API: first page, scoped", f"{API}?page=1", "bj-officer"),
            ("API: page 50, scoped", f"{API}?page=50", "secofficer"),
        ]
        measurements = [
            measure(label, url, user, target_ms=TARGET_MS, **timing) for label, url, user in api_rows
        ]
        measurements += [
            measure("dashboard page", DASHBOARD, "admin", target_ms=None, **timing),
            measure("dashboard page, scoped", DASHBOARD, "secofficer", target_ms=None, **timing),
        ]
        missed = [
            item for item in measurements if item.target_ms is not None and item.median_ms >= item.target_ms
        ]
        diagnoses = [
            (item.label, slowest_query(url, user))
            for item in missed
            for label, url, user in api_rows
            if label == item.label
        ]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# Supplier list API on SQLite, {total} suppliers, {documents} qualification documents\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    if build_seconds:
        print(f"- data bulk-created in {build_seconds:.1f} s")
    print(f"- {options.requests} timed requests per row after {options.warmup} warm-up requests\n")
    print(table(measurements))
    for label, query in diagnoses:
        print(f"\nSlowest query of {label}: {query}")
    print("\nAll targets met." if not missed else f"\n{len(missed)} target(s) MISSED.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
