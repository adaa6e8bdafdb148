"""How fast the NIST SP 800-53 rev5 LOW baseline (resolved profile catalog) imports from
OSCAL JSON (target: under 5 s on SQLite).

Builds a throwaway SQLite installation (migrations only: library data needs no
organisation), then imports the sample file through `import_oscal`, the service that
`garrison library import` and the library upload share: read the JSON, validate it with
compliance-trestle's models, turn it into a framework, bulk-write the requirement tree,
audit every node. Between runs the framework and its library record are deleted from the
scratch database, so that every run creates all nodes. A final run imports the same file
again (nothing to write) to time the "unchanged" path. Prints a markdown table; the
median of the create runs is the figure to compare with the target.

    .venv/bin/python benchmarks/oscal_import.py [--runs 3] [--data-dir DIR] [--file PATH]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

TARGET_SECONDS = 5.0
SAMPLE = Path("/work/shared/samples/oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--file", type=Path, default=SAMPLE)
    options = parser.parse_args()
    demo_database.configure(options.data_dir)

    import django

    django.setup()
    from django.core.management import call_command

    from garrison.compliance.models import Framework
    from garrison.compliance.oscal import import_oscal
    from garrison.library.models import LoadedLibrary

    call_command("migrate", verbosity=0, interactive=False)
    rows = []
    create_seconds = []
    urn = ""
    for number in range(1, options.runs + 1):
        if urn:
            # A scratch database: clearing it is how each run creates every node again.
            Framework.objects.filter(urn=urn).delete()
            LoadedLibrary.objects.filter(urn=urn).delete()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_oscal(options.file, by=None)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if result.is_refused:
            raise SystemExit("; ".join(result.errors))
        urn = result.urn
        created = result.kinds["frameworks"].counts()["added"]
        create_seconds.append(seconds)
        rows.append((f"create {number}", created, seconds, cpu, result.status))
    started, cpu_started = time.perf_counter(), time.process_time()
    result = import_oscal(options.file, by=None)
    rows.append(
        (
            "same file again",
            0,
            time.perf_counter() - started,
            time.process_time() - cpu_started,
            result.status,
        )
    )

    median = statistics.median(create_seconds)
    print(f"# OSCAL import: {options.file.name}")
    print()
    print(f"Python {platform.python_version()}, {platform.machine()}, SQLite, {options.runs} runs")
    print()
    print("| run | objects created | seconds | CPU seconds | status |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, created, seconds, cpu, status in rows:
        print(f"| {label} | {created} | {seconds:.2f} | {cpu:.2f} | {status} |")
    print()
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(f"Median of the create runs: {median:.2f} s ({verdict} the target of {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
