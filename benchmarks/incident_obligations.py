"""How fast the reporting deadlines answer with 100,000 cases.

Builds a throwaway SQLite installation with a small organisation (Group → Beijing,
Shanghai and eight more sites), bulk-creates `--cases` incident cases with their
reporting obligations in a realistic mix — about 0.5 % with an obligation due in the
next 24 hours, a few overdue, most submitted long ago, some superseded, final reports
whose clock has not started — then times the list of obligations due in the next 24
hours (overdue included):

- through the whole Django stack with the test client, the API endpoint
  /api/incidents/obligations/?status=pending&due_within_hours=24, as the
  Administrator of the Group and as the Security Officer of the Beijing site;
- the service query `obligations_due(person)` evaluated to a list.

Target: < 100 ms median on SQLite on a 2-core machine.

    .venv/bin/python benchmarks/incident_obligations.py [--cases 100000] [--requests 20]
        [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

TARGET_MS = 100.0
BATCH_SIZE = 5000
SITES = 10
# The benchmark's throwaway people log in through force_login; the password is never used.
PASSWORD = "Bench-passw0rd-x"  # noqa: S105


@dataclass(frozen=True)
class Measurement:
    label: str
    username: str
    median_ms: float
    p95_ms: float
    queries: int
    rows: int


def build(cases: int, seed: int) -> float:
    """Make the organisation and `cases` cases with obligations; returns the seconds taken."""
    from django.utils import timezone

    from garrison.core.models import Person
    from garrison.core.roles import Role
    from garrison.core.services import org
    from garrison.incidents.models import (
        Grade,
        Incident,
        IncidentCategory,
        IncidentStatus,
        ObligationKind,
        ObligationStatus,
        ReportingObligation,
    )

    started = time.perf_counter()
    if Person.objects.filter(username="admin").exists():
        return 0.0
    root = org.create_unit(by=None, name="Group", code="group", kind="company")
    units = [
        org.create_unit(by=None, name=f"Site {number}", code=f"site-{number}", kind="site", parent=root)
        for number in range(SITES)
    ]
    units[0].name = "Beijing site"
    units[0].save()
    admin = org.create_person(by=None, username="admin", full_name="Admin", unit=root, password=PASSWORD)
    org.assign_role(admin, Role.ADMINISTRATOR, root, by=None)
    officer = org.create_person(
        by=None,
        username="secofficer",
        full_name="Security Officer",
        unit=units[0],
        password=PASSWORD,
    )
    org.assign_role(officer, Role.SECURITY_OFFICER, units[0], by=None)
    handlers = []
    for number, unit in enumerate(units):
        person = org.create_person(
            by=None,
            username=f"handler{number}",
            full_name=f"Handler {number}",
            unit=unit,
            password=PASSWORD,
        )
        handlers.append(person)
    category = IncidentCategory.objects.create(urn="urn:bench:na", code="NA", name="Network attack incident")
    rng = random.Random(f"incident-obligations-benchmark/{seed}")  # noqa: S311 - benchmark data
    now = timezone.now()
    made = 0
    while made < cases:
        count = min(BATCH_SIZE, cases - made)
        batch = []
        for number in range(made, made + count):
            site = rng.randrange(SITES)
            draw = rng.random()
            if draw < 0.005:
                discovered = now - dt.timedelta(minutes=rng.randint(0, 240))  # initial report due soon
            elif draw < 0.007:
                discovered = now - dt.timedelta(hours=rng.randint(5, 48))  # overdue
            else:
                discovered = now - dt.timedelta(days=rng.randint(2, 1500))
            batch.append(
                Incident(
                    reference=f"INC-B{number:07d}",
                    title=f"Benchmark incident {number}",
                    category=category,
                    status=IncidentStatus.TRIAGE if draw < 0.007 else IncidentStatus.CLOSED,
                    discovered_at=discovered,
                    handler=handlers[site],
                    unit=units[site],
                    proposed_grade=rng.choice([Grade.GENERAL, Grade.RELATIVELY_MAJOR, Grade.MAJOR]),
                )
            )
        created = Incident.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        obligations = []
        for incident in created:
            due = incident.discovered_at + dt.timedelta(hours=4)
            is_open = incident.status == IncidentStatus.TRIAGE
            obligations.append(
                ReportingObligation(
                    incident=incident,
                    code="initial:provincial_cyberspace_administration",
                    kind=ObligationKind.INITIAL,
                    recipient="Provincial cyberspace administration",
                    due_at=due,
                    grade=incident.proposed_grade,
                    status=ObligationStatus.PENDING
                    if is_open
                    else rng.choice(
                        [ObligationStatus.SUBMITTED] * 8
                        + [ObligationStatus.SUPERSEDED, ObligationStatus.WAIVED]
                    ),
                    satisfied_at=None if is_open else due - dt.timedelta(hours=1),
                )
            )
            ended = None if is_open else incident.discovered_at + dt.timedelta(days=3)
            obligations.append(
                ReportingObligation(
                    incident=incident,
                    code="final",
                    kind=ObligationKind.FINAL,
                    recipient="Provincial cyberspace administration",
                    due_at=ended + dt.timedelta(days=30) if ended else None,
                    grade=incident.proposed_grade,
                    status=ObligationStatus.PENDING if is_open else ObligationStatus.SUBMITTED,
                    satisfied_at=ended + dt.timedelta(days=20) if ended else None,
                )
            )
        ReportingObligation.objects.bulk_create(obligations, batch_size=BATCH_SIZE)
        made += count
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def timed(function: Callable[[], int], requests: int, warmup: int) -> tuple[list[float], int]:
    for _ in range(warmup):
        function()
    timings = []
    rows = 0
    for _ in range(requests):
        started = time.perf_counter()
        rows = function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, rows


def measure_api(username: str, *, requests: int, warmup: int) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person

    url = "/api/incidents/obligations/?status=pending&due_within_hours=24&page_size=50"
    client = Client()
    client.force_login(Person.objects.get(username=username))

    def call() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return int(response.json()["count"])

    timings, rows = timed(call, requests, warmup)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return _measurement("API: due in the next 24 h", username, timings, len(captured), rows)


def measure_service(username: str, *, requests: int, warmup: int) -> Measurement:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person
    from garrison.incidents.services.obligations import obligations_due

    person = Person.objects.get(username=username)

    def call() -> int:
        return len(list(obligations_due(person)))

    timings, rows = timed(call, requests, warmup)
    with CaptureQueriesContext(connection) as captured:
        call()
    return _measurement("service: obligations_due()", username, timings, len(captured), rows)


def _measurement(label: str, username: str, timings: list[float], queries: int, rows: int) -> Measurement:
    median = statistics.median(timings)
    print(f"{label} as {username}: median {median:.1f} ms", file=sys.stderr, flush=True)
    return Measurement(
        label=label,
        username=username,
        median_ms=median,
        p95_ms=statistics.quantiles(timings, n=20, method="inclusive")[18],
        queries=queries,
        rows=rows,
    )


def table(measurements: list[Measurement]) -> str:
    lines = [
        "| request | as | rows | median ms | p95 ms | queries | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for item in measurements:
        verdict = "met" if item.median_ms < TARGET_MS else "MISSED"
        lines.append(
            f"| {item.label} | {item.username} | {item.rows} | {item.median_ms:.1f} | {item.p95_ms:.1f} "
            f"| {item.queries} | < {TARGET_MS:.0f} ms: {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=20, help="timed runs per row (at least 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs before timing")
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
        build_seconds = build(options.cases, options.seed)
        from garrison.incidents.models import Incident, ReportingObligation

        total = Incident.objects.count()
        obligations = ReportingObligation.objects.count()
        measurements = [
            measure_api("admin", requests=options.requests, warmup=options.warmup),
            measure_api("secofficer", requests=options.requests, warmup=options.warmup),
            measure_service("admin", requests=options.requests, warmup=options.warmup),
            measure_service("secofficer", requests=options.requests, warmup=options.warmup),
        ]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# Reporting deadlines on SQLite, {total} cases, {obligations} obligations\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    if build_seconds:
        print(f"- data bulk-created in {build_seconds:.1f} s")
    print(f"- {options.requests} timed runs per row after {options.warmup} warm-up runs\n")
    print(table(measurements))
    missed = [item for item in measurements if item.median_ms >= TARGET_MS]
    print("\nAll targets met." if not missed else f"\n{len(missed)} target(s) MISSED.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
