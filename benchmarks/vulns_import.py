"""How fast a 100,000-finding Nessus file over 2,000 hosts (about 50 MB) imports (targets:
first import under 10 s, re-import of the same file unchanged under 5 s, peak memory
under 500 MB; on SQLite and on PostgreSQL).

Writes the file with this folder's deterministic generator (vulns_data.py), then on a
throwaway database times, median over runs:

- a bare defusedxml iterparse of the file (the floor any XML import stands on),
- the Nessus parser alone, every record produced and dropped,
- the first import through the service `garrison vulns import` uses (read and spool the
  file, match hosts: a quarter to assets by IP address, a quarter by host name, half
  discovered as new assets; fingerprint, assess severities, insert findings, their
  sightings and history),
- the re-import of the same file with everything unchanged (every finding looked up by
  its fingerprint, its content digest compared, its sighting moved),

and the peak memory of one import (Python allocations under tracemalloc, and the
process's maximum resident size). Each run starts from no findings.

The database is SQLite in a scratch folder, unless DATABASE_URL names a PostgreSQL server:
then a private database (--database-name, created and dropped with Django's test
utilities) is used, never the one DATABASE_URL names.

    .venv/bin/python benchmarks/vulns_import.py [--findings 100000] [--hosts 2000] [--runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/vulns_import.py
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # sibling script modules, found through the path set above
import vulns_data

FIRST_TARGET = 10.0
REIMPORT_TARGET = 5.0
MEMORY_TARGET_MB = 500
SCOPE = "Benchmark monthly"


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of `action` (CPU of this process only: on PostgreSQL the
    server's work is in the wall clock alone)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu_started, result


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def configure(options: argparse.Namespace) -> tuple[Path, bool]:
    """Point Django at a scratch folder and the benchmark's database; (folder, is PostgreSQL)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        folder = Path(tempfile.mkdtemp(prefix="garrison-benchmark-"))
        os.environ["GARRISON_DATA_DIR"] = str(folder)
        os.environ.pop("REDIS_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "garrison.settings"
        os.environ["GARRISON_TEST_DATABASE_NAME"] = options.database_name
        return folder, True
    return demo_database.configure(options.data_dir), False


def bare_iterparse(path: Path) -> int:
    from defusedxml.ElementTree import iterparse

    items = 0
    for _event, element in iterparse(str(path), events=("end",)):
        if element.tag == "ReportItem":
            items += 1
        elif element.tag == "ReportHost":
            element.clear()
    return items


def parser_alone(path: Path) -> int:
    from garrison.vulns.parsers import parser_for

    with path.open("rb") as stream:
        return sum(1 for _record in parser_for("nessus").parse(stream, path.name))


def seed(hosts: int) -> tuple[Any, Any]:
    """A unit, an administrator, and assets for half the hosts (by address and by name)."""
    from garrison.assets.models import Asset, AssetIdentifier, AssetType, IdentifierKind
    from garrison.core.roles import Role
    from garrison.core.services import org

    unit = org.create_unit(by=None, name="Benchmark Group", code="bench", kind="company")
    person = org.create_person(by=None, username="bench-admin", full_name="Benchmark Admin", unit=unit)
    org.assign_role(person, Role.ADMINISTRATOR, unit, by=None)
    assets = []
    for number in range(1, hosts + 1):
        if number % 4 == 0:
            assets.append(
                Asset(
                    reference=f"AST-B{number}",
                    name=f"server {number}",
                    ip_addresses=[vulns_data.host_address(number)],
                )
            )
        elif number % 4 == 1:
            assets.append(
                Asset(
                    reference=f"AST-B{number}",
                    name=f"server {number}",
                    host_names=[vulns_data.host_name(number)],
                )
            )
    for asset in assets:
        asset.asset_type, asset.owner, asset.unit = AssetType.SERVER, person, unit
    Asset.objects.bulk_create(assets, batch_size=1000)
    AssetIdentifier.objects.bulk_create(
        [
            AssetIdentifier(asset=a, kind=IdentifierKind.IP_ADDRESS, value=v)
            for a in assets
            for v in a.ip_addresses
        ]
        + [
            AssetIdentifier(asset=a, kind=IdentifierKind.HOST_NAME, value=v)
            for a in assets
            for v in a.host_names
        ],
        batch_size=1000,
    )
    return unit, person


def reset() -> None:
    """Back to no findings: the imports, their history and the assets they discovered."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in (
            "vulns_findingevent",
            "vulns_findingsighting",
            "vulns_finding",
            "vulns_assetscan",
            "vulns_scanimport",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        cursor.execute(
            "DELETE FROM assets_assetidentifier WHERE asset_id IN "
            "(SELECT id FROM assets_asset WHERE needs_review = %s)",
            [True],
        )
        cursor.execute("DELETE FROM assets_asset WHERE needs_review = %s", [True])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file", type=Path, help="write (or reuse, if it exists) the Nessus file here")
    parser.add_argument("--data-dir", type=Path, help="SQLite: keep the installation here")
    parser.add_argument(
        "--database-name", default="garrison_bench_vulns", help="PostgreSQL: the private database"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of a first import and a re-import"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    options = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="garrison-vulns-file-"))
    path = options.file or scratch / "benchmark.nessus"
    if not path.exists():
        with path.open("w", encoding="utf-8") as out:
            vulns_data.write(out, findings=options.findings, hosts=options.hosts, seed=options.seed)
    size_mb = path.stat().st_size / 1e6

    data_dir, is_postgresql = configure(options)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if is_postgresql:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0, interactive=False)
    rows: list[tuple[str, list[tuple[float, float]], str]] = []
    try:
        from garrison.vulns.services.importing import import_file

        load_before = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        unit, person = seed(options.hosts)
        bare = [timed(lambda: bare_iterparse(path)) for _run in range(options.runs)]
        rows.append(("bare defusedxml iterparse", [(s, c) for s, c, _n in bare], f"{bare[0][2]} items"))
        alone = [timed(lambda: parser_alone(path)) for _run in range(options.runs)]
        rows.append(("Nessus parser alone", [(s, c) for s, c, _n in alone], f"{alone[0][2]} records"))

        def run_import() -> Any:
            return import_file(path, by=person, unit=unit, requested_format="nessus", scan_scope=SCOPE)

        first: list[tuple[float, float]] = []
        again: list[tuple[float, float]] = []
        first_note = again_note = ""
        for _run in range(options.runs):
            reset()
            seconds, cpu, result = timed(run_import)
            first.append((seconds, cpu))
            first_note = (
                f"{result.new_count} new, {result.host_count} hosts, "
                f"{result.discovered_asset_count} discovered"
            )
            seconds, cpu, result = timed(run_import)
            again.append((seconds, cpu))
            again_note = (
                f"{result.unchanged_count} unchanged, {result.new_count} new, {result.fixed_count} fixed"
            )
        rows.append(("first import", first, first_note))
        rows.append(("re-import, unchanged", again, again_note))
        if options.profile:
            reset()
            for label in ("first import", "re-import, unchanged"):
                profile = cProfile.Profile()
                profile.runcall(run_import)
                print(f"# cProfile of the {label}", file=sys.stderr)
                pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)
        peak_mb = None
        if not options.no_memory:
            reset()
            tracemalloc.start()
            run_import()
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if is_postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                database = f"PostgreSQL {cursor.fetchone()[0]} (database {connection.settings_dict['NAME']})"
        else:
            with connection.cursor() as cursor:
                cursor.execute("select sqlite_version()")
                database = f"SQLite {cursor.fetchone()[0]}"
    finally:
        if is_postgresql:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)

    title = f"{options.findings} Nessus findings over {options.hosts} hosts ({size_mb:.1f} MB)"
    print(f"# Import of {title} on {database}\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"- load average before: {load_before}; {options.runs} runs each\n")
    print("| step | median s | runs (s) | median CPU s | result |")
    print("| --- | ---: | --- | ---: | --- |")
    for label, runs, note in rows:
        median = statistics.median(seconds for seconds, _cpu in runs)
        cpu = statistics.median(c for _seconds, c in runs)
        listed = ", ".join(f"{seconds:.2f}" for seconds, _cpu in runs)
        print(f"| {label} | {median:.2f} | {listed} | {cpu:.2f} | {note} |")
    if peak_mb is not None:
        print(f"| peak Python memory of one import (tracemalloc) | {peak_mb:.0f} MB | | | |")
    print(f"| maximum resident size of the process | {max_rss_mb:.0f} MB | | | |")
    first_median = statistics.median(seconds for seconds, _cpu in first)
    again_median = statistics.median(seconds for seconds, _cpu in again)
    bare_median = statistics.median(seconds for seconds, _cpu, _count in bare)
    verdicts = [
        f"first import {first_median:.2f} s ({verdict(first_median, FIRST_TARGET)} {FIRST_TARGET:.0f} s)",
        f"re-import {again_median:.2f} s ({verdict(again_median, REIMPORT_TARGET)} {REIMPORT_TARGET:.0f} s)",
        f"peak {max_rss_mb:.0f} MB ({verdict(max_rss_mb, MEMORY_TARGET_MB)} {MEMORY_TARGET_MB} MB)",
    ]
    print(f"\n{'; '.join(verdicts)}; bare iterparse of the same file {bare_median:.2f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
