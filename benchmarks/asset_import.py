"""How fast an inventory file of 10,000 assets imports from XLSX (target: under 15 s on SQLite).

Builds a throwaway SQLite installation with `seed-demo` (its people and units are the
owners and custodians the rows name), writes an XLSX file of N assets with its own
deterministic generator, and imports it through the service the web page, the API and
`garrison assets-import` share, acting as the demo administrator: parse, look up, validate
every row, bulk insert, audit. Each run imports a fresh file (new references), so every
run creates N assets. A final run imports the last file again changed on every row,
to time the update path. Prints a markdown table; the median of the create runs is the
figure to compare with the target.

    .venv/bin/python benchmarks/asset_import.py [--rows 10000] [--runs 3] [--data-dir DIR] [--keep-file PATH]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

TARGET_SECONDS = 15.0
HEADER = [
    "Reference",
    "Name",
    "Type",
    "Owner (username)",
    "Custodian unit (code)",
    "Site (reference)",
    "Description",
    "Lifecycle status",
    "Confidentiality",
    "Integrity",
    "Availability",
    "Business criticality",
    "Critical information system",
    "IP addresses",
    "Host names",
    "Tags",
]
TYPES = [
    "Information system",
    "Application",
    "Database or data set",
    "Server or host",
    "Server or host",
    "Server or host",
    "Network device",
    "Cloud service",
    "Facility equipment (UPS, HVAC, power)",
    "Supplier-provided service",
]
STATUSES = ["Planned", "In service", "In service", "In service", "Retired"]
TAGS = [f"tag-{number:02d}" for number in range(20)]
# One row in this many is a data-center room that later rows are located in.
ROOM_EVERY = 100


@dataclass(frozen=True)
class Run:
    label: str
    rows: int
    seconds: float
    cpu_seconds: float
    created: int
    updated: int


def generate_rows(
    count: int, *, prefix: str, usernames: list[str], unit_codes: list[str], seed: int, renamed: bool = False
) -> list[list[Any]]:
    """`count` asset rows; the same arguments always give the same rows."""
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
    rows: list[list[Any]] = []
    room = ""
    for number in range(count):
        reference = f"{prefix}-{number:05d}"
        is_room = number % ROOM_EVERY == 0
        addresses = [f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"]
        if rng.random() < 0.3:
            addresses.append(f"172.16.{(number >> 8) & 255}.{number & 255}")
        rows.append(
            [
                reference,
                f"{'Room' if is_room else 'Asset'} {number}{' (renamed)' if renamed else ''}",
                "Data-center room" if is_room else rng.choice(TYPES),
                rng.choice(usernames),
                rng.choice(unit_codes),
                "" if is_room else room,
                "Generated for the import benchmark" if rng.random() < 0.5 else "",
                rng.choice(STATUSES),
                rng.randint(1, 4),
                rng.randint(1, 4),
                rng.randint(1, 4),
                rng.randint(1, 4),
                "Yes" if rng.random() < 0.05 else "No",
                "; ".join(addresses),
                f"{prefix.lower()}-{number:05d}.bench.example.com",
                "; ".join(rng.sample(TAGS, rng.randint(0, 3))),
            ]
        )
        if is_room:
            room = reference
    return rows


def write_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Assets")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def timed_import(data: bytes, name: str, by: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of one import (SQLite runs in this process, so CPU time
    shows what the machine's other load added to the wall clock)."""
    from garrison.assets import services

    started, cpu_started = time.perf_counter(), time.process_time()
    result = services.commit_import(data, name, by=by)
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="timed create runs (each a fresh file)")
    parser.add_argument("--scale", type=int, default=1, help="seed-demo scale of the organisation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, help="keep the installation here (reused if seeded)")
    parser.add_argument("--keep-file", type=Path, help="also write the first generated XLSX here")
    options = parser.parse_args(argv)

    data_dir = demo_database.configure(options.data_dir)
    import django

    django.setup()
    runs: list[Run] = []
    try:
        prepared = demo_database.prepare(scale=options.scale, seed=options.seed, data_dir=data_dir)
        from garrison.core.models import OrgUnit, Person

        administrator = Person.objects.get(username="admin")
        usernames = list(Person.objects.order_by("username").values_list("username", flat=True)[:500])
        unit_codes = list(OrgUnit.objects.order_by("code").values_list("code", flat=True))
        stamp = int(time.time())
        load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        last_rows: list[list[Any]] = []
        last_prefix = ""
        for run in range(options.runs):
            last_prefix = f"B{stamp}R{run}"
            last_rows = generate_rows(
                options.rows, prefix=last_prefix, usernames=usernames, unit_codes=unit_codes, seed=run
            )
            data = write_xlsx(last_rows)
            if run == 0 and options.keep_file:
                options.keep_file.write_bytes(data)
            seconds, cpu, result = timed_import(data, f"{last_prefix}.xlsx", administrator)
            runs.append(
                Run(f"create run {run + 1}", options.rows, seconds, cpu, result.created, result.updated)
            )
        changed = write_xlsx(
            generate_rows(
                options.rows,
                prefix=last_prefix,
                usernames=usernames,
                unit_codes=unit_codes,
                seed=options.runs - 1,
                renamed=True,
            )
        )
        seconds, cpu, result = timed_import(changed, f"{last_prefix}-renamed.xlsx", administrator)
        runs.append(Run("update every row", options.rows, seconds, cpu, result.created, result.updated))
        from django.db import connection

        database_version = connection.cursor().connection.execute("select sqlite_version()").fetchone()[0]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# Asset import from XLSX on SQLite, {options.rows} rows\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"- SQLite {database_version}; organisation: {prepared.summary}")
    print(f"- load average before the runs: {load_before}")
    print("- acting as the demo administrator; every run creates its rows (fresh references)\n")
    print("| run | rows | seconds | CPU seconds | rows per second | created | updated |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for item in runs:
        print(
            f"| {item.label} | {item.rows} | {item.seconds:.2f} | {item.cpu_seconds:.2f} "
            f"| {item.rows / item.seconds:,.0f} | {item.created} | {item.updated} |"
        )
    creates = [item.seconds for item in runs if item.label.startswith("create")]
    median = statistics.median(creates)
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    target = f"{TARGET_SECONDS:.0f} s"
    print(f"\nCreating {options.rows} assets: median {median:.2f} s, {verdict} the {target} target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
