"""How fast 2,623 suppliers are screened against a 100,000-name watch list (target: under
10 s on SQLite, loading from the database and saving the matches included).

Builds a throwaway SQLite installation (migrated, one organisation unit), creates the
suppliers straight in the database and imports the watch list through the CSV import
service, both from this folder's own deterministic generator (screening_names.py: Chinese
and Latin company names with legal forms, a few hundred planted near-matches of the
suppliers). Then times `screen_suppliers` over every supplier, the matches of the previous
run deleted first so that each run finds and saves all of them, and separately the pure
matcher on the same rows already loaded. Prints a markdown table; the median of the
screening runs is the figure to compare with the target.

    .venv/bin/python benchmarks/screening.py [--suppliers 2623] [--entries 100000] [--planted 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # sibling script modules, found through the path set above
import screening_names

TARGET_SECONDS = 10.0


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of `action` (SQLite runs in this process, so CPU time
    shows what the machine's other load added to the wall clock)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def csv_bytes(names: list[screening_names.ListName]) -> bytes:
    import csv
    import io

    target = io.StringIO()
    writer = csv.writer(target)
    writer.writerow(["name", "identifiers", "country", "reference"])
    for number, item in enumerate(names):
        writer.writerow([item.name, ";".join(item.identifiers), item.country, f"BENCH-{number:06d}"])
    return target.getvalue().encode()


def create_suppliers(companies: list[screening_names.Company]) -> None:
    from garrison.core.services import org
    from garrison.suppliers.models import Region, Supplier
    from garrison.suppliers.names import normalise_name

    unit = org.create_unit(by=None, name="Benchmark Group", code="bench", kind="company")
    Supplier.objects.bulk_create(
        (
            Supplier(
                reference=f"SUP-{number:06d}",
                name=company.name,
                name_en=company.name_en,
                normalised_name=normalise_name(company.name or company.name_en)[:300],
                credit_code=company.code if company.country == "CN" else "",
                registration_number="" if company.country == "CN" else company.code,
                country=company.country,
                region=Region.MAINLAND if company.country == "CN" else Region.OTHER,
                unit=unit,
            )
            for number, company in enumerate(companies, start=1)
        ),
        batch_size=1000,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suppliers", type=int, default=2623)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=300, help="near-matches of suppliers in the list")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="keep the installation here (must be empty)")
    options = parser.parse_args(argv)

    data_dir = demo_database.configure(options.data_dir)
    import django

    django.setup()
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        from garrison.suppliers import screening as matcher
        from garrison.suppliers.models import ScreeningMatch, Supplier, WatchListEntry
        from garrison.suppliers.services import screening, watchlists

        companies = screening_names.suppliers(options.suppliers, options.seed)
        listed = screening_names.watch_list(options.entries, companies, options.planted, options.seed)
        create_suppliers(companies)
        load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        data = csv_bytes(listed)
        import_seconds, import_cpu, imported = timed(
            lambda: watchlists.import_watch_list(data, by="benchmark", name="Benchmark list")
        )
        rows: list[tuple[str, float, float, int]] = []
        for run in range(options.runs):
            ScreeningMatch.objects.all().delete()
            seconds, cpu, result = timed(lambda: screening.screen_suppliers(trigger="manual", by="benchmark"))
            rows.append((f"screen_suppliers run {run + 1}", seconds, cpu, result.new_matches))
        candidates = screening._candidates(Supplier.objects.all())
        entries = screening._entries(WatchListEntry.objects.all())
        threshold = screening.threshold()
        pure: list[tuple[float, float, int]] = []
        for _run in range(options.runs):
            seconds, cpu, found = timed(lambda: matcher.screen(candidates, entries, threshold))
            pure.append((seconds, cpu, len(found)))
        planted_entries = {
            entry_id
            for entry_id, reference in WatchListEntry.objects.values_list("pk", "reference")
            if listed[int(reference.removeprefix("BENCH-"))].planted_for is not None
        }
        matched = set(ScreeningMatch.objects.values_list("entry_id", flat=True))
        database_version = connection.cursor().connection.execute("select sqlite_version()").fetchone()[0]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# Screening {options.suppliers} suppliers against {options.entries} watch-list names on SQLite\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"- SQLite {database_version}; screening threshold {threshold}; load average before: {load_before}")
    print(
        f"- import of the list (parse, normalise, bulk insert, screen the new entries): "
        f"{import_seconds:.2f} s ({import_cpu:.2f} s CPU), {imported.added} entries"
    )
    print(
        f"- planted near-matches found: {len(planted_entries & matched)} of {len(planted_entries)}; "
        f"other entries matched: {len(matched - planted_entries)}\n"
    )
    print("| run | seconds | CPU seconds | matches saved |")
    print("| --- | ---: | ---: | ---: |")
    for label, seconds, cpu, count in rows:
        print(f"| {label} | {seconds:.2f} | {cpu:.2f} | {count} |")
    for number, (seconds, cpu, count) in enumerate(pure, start=1):
        print(f"| pure matcher run {number} | {seconds:.2f} | {cpu:.2f} | {count} |")
    median = statistics.median(seconds for _label, seconds, _cpu, _count in rows)
    median_cpu = statistics.median(cpu for _label, _seconds, cpu, _count in rows)
    median_pure = statistics.median(seconds for seconds, _cpu, _count in pure)
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(
        f"\nScreening: median {median:.2f} s ({median_cpu:.2f} s CPU), {verdict} the "
        f"{TARGET_SECONDS:.0f} s target; the pure matcher alone: median {median_pure:.2f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
