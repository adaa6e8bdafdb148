"""How fast the risk register and its heat map answer on 50,000 scenarios.

Builds a throwaway SQLite installation with `seed-demo` (by default at scale 100,
whose risks step makes 50,000 scenarios) and, if the register still holds fewer than
`--scenarios`, tops it up with bulk-created scenarios spread over the units. Then it
times, through the whole Django stack with the test client, the register API page of
50 sorted by residual level and the heat-map aggregation, as the Administrator on the
root unit and as the unit-scoped Security Officer of the Beijing site.
Targets: register page < 100 ms median, heat map < 200 ms median.

    .venv/bin/python benchmarks/risk_register.py [--scale 100] [--scenarios 50000]
        [--requests 30] [--data-dir DIR]
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

REGISTER_TARGET_MS = 100.0
HEATMAP_TARGET_MS = 200.0
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Variant:
    label: str
    username: str
    url: str
    target_ms: float | None = None


@dataclass(frozen=True)
class Measurement:
    variant: Variant
    median_ms: float
    p95_ms: float
    queries: int


def top_up(wanted: int, seed: int) -> int:
    """Bulk-create scenarios until the register holds `wanted`; returns how many were made."""
    from django.utils import timezone

    from garrison.core.models import OrgUnit, Person
    from garrison.risks.models import (
        ActionStatus,
        RiskMatrix,
        RiskScenario,
        ScenarioStatus,
        Treatment,
        TreatmentAction,
    )

    missing = wanted - RiskScenario.objects.count()
    if missing <= 0:
        return 0
    matrix = RiskMatrix.objects.filter(is_default=True).first()
    if matrix is None:
        raise SystemExit("No default risk matrix: seed-demo should have loaded the shipped library.")
    rating = matrix.as_matrix()
    rng = random.Random(f"risk-register-benchmark/{seed}")  # noqa: S311 - benchmark data
    owners_by_unit: dict[int, list[int]] = {}
    for person_id, unit_id in Person.objects.values_list("pk", "unit_id"):
        owners_by_unit.setdefault(unit_id, []).append(person_id)
    units = [unit for unit in OrgUnit.objects.values_list("pk", flat=True) if unit in owners_by_unit]
    treatments = [value for value, _label in Treatment.choices if value != Treatment.ACCEPT]
    start = RiskScenario.objects.count()
    today = timezone.localdate()
    made = 0
    while made < missing:
        batch = []
        for number in range(start + made, start + made + min(BATCH_SIZE, missing - made)):
            unit = rng.choice(units)
            inherent = (rng.randint(2, rating.likelihood_steps), rng.randint(2, rating.impact_steps))
            current = (rng.randint(1, inherent[0]), rng.randint(1, inherent[1]))
            batch.append(
                RiskScenario(
                    reference=f"BENCH-{number:06d}",
                    title=f"Benchmark scenario {number}",
                    unit_id=unit,
                    owner_id=rng.choice(owners_by_unit[unit]),
                    matrix=matrix,
                    inherent_likelihood=inherent[0],
                    inherent_impact=inherent[1],
                    inherent_level=rating.level_of(*inherent),
                    current_likelihood=current[0],
                    current_impact=current[1],
                    current_level=rating.level_of(*current),
                    treatment=rng.choice(treatments),
                    status=ScenarioStatus.OPEN,
                )
            )
        created = RiskScenario.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        # One in five has a treatment action, a third of them overdue.
        TreatmentAction.objects.bulk_create(
            [
                TreatmentAction(
                    scenario=scenario,
                    title="Benchmark action",
                    owner_id=scenario.owner_id,
                    due_on=today + dt.timedelta(days=rng.randint(-60, 120)),
                    status=ActionStatus.PLANNED,
                )
                for scenario in created
                if rng.random() < 0.2
            ],
            batch_size=BATCH_SIZE,
        )
        made += len(batch)
    return made


def variants(beijing_id: int) -> list[Variant]:
    register = "/api/risks/scenarios/?page_size=50&ordering=-current_level"
    return [
        Variant("register page of 50 by residual level", "admin", register, REGISTER_TARGET_MS),
        Variant("register page of 50 by residual level", "secofficer", register, REGISTER_TARGET_MS),
        Variant("heat map", "admin", "/api/risks/heatmap/", HEATMAP_TARGET_MS),
        Variant("heat map", "secofficer", "/api/risks/heatmap/", HEATMAP_TARGET_MS),
        Variant("register: above appetite, untreated", "admin", f"{register}&above_appetite=untreated"),
        Variant("register: overdue", "admin", f"{register}&overdue=yes"),
        Variant(
            "register: heat-map cell 4 by 4", "admin", f"{register}&current_likelihood=4&current_impact=4"
        ),
        Variant("register: within Beijing site", "admin", f"{register}&within={beijing_id}"),
        Variant("register page 100", "admin", f"{register}&page=100"),
        Variant("heat map: untreated", "secofficer", "/api/risks/heatmap/?treatment=untreated"),
        Variant("register web page of 50", "admin", "/risks/?page_size=50&sort=-current_level"),
    ]


def measure(variant: Variant, *, requests: int, warmup: int) -> Measurement:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from garrison.core.models import Person

    client = Client()
    client.force_login(Person.objects.get(username=variant.username))
    for _ in range(warmup):
        client.get(variant.url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(variant.url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{variant.url} answered {response.status_code}: {response.content[:300]!r}")
    # Counting queries slows a request down, so it is a separate, untimed one.
    with CaptureQueriesContext(connection) as captured:
        client.get(variant.url)
    print(
        f"{variant.label} as {variant.username}: median {statistics.median(timings):.1f} ms",
        file=sys.stderr,
        flush=True,
    )
    return Measurement(
        variant=variant,
        median_ms=statistics.median(timings),
        p95_ms=statistics.quantiles(timings, n=20, method="inclusive")[18],
        queries=len(captured),
    )


def table(measurements: list[Measurement]) -> str:
    lines = [
        "| request | as | median ms | p95 ms | queries | target |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for item in measurements:
        target = item.variant.target_ms
        verdict = (
            "" if target is None else f"< {target:.0f} ms: {'met' if item.median_ms < target else 'MISSED'}"
        )
        lines.append(
            f"| {item.variant.label} | {item.variant.username} | {item.median_ms:.1f} "
            f"| {item.p95_ms:.1f} | {item.queries} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", type=int, default=50_000, help="top the register up to this many")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per variant (at least 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before timing")
    parser.add_argument("--data-dir", type=Path, help="keep the installation here (reused if seeded)")
    options = parser.parse_args(argv)
    if options.requests < 20:
        parser.error("--requests must be at least 20")

    data_dir = demo_database.configure(options.data_dir)
    import django

    django.setup()
    try:
        prepared = demo_database.prepare(scale=options.scale, seed=options.seed, data_dir=data_dir)
        started = time.perf_counter()
        topped_up = top_up(options.scenarios, options.seed)
        top_up_seconds = time.perf_counter() - started
        from garrison.core.models import OrgUnit
        from garrison.risks.models import RiskScenario

        total = RiskScenario.objects.count()
        beijing_id = OrgUnit.objects.get(code="bj").pk
        measurements = [
            measure(variant, requests=options.requests, warmup=options.warmup)
            for variant in variants(beijing_id)
        ]
    finally:
        if options.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"# Risk register API on SQLite, seed-demo --scale {options.scale}, {total} scenarios\n")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    if prepared.seed_seconds is None:
        print(f"- data: {prepared.summary}")
    else:
        print(f"- data: {prepared.summary} (seed-demo took {prepared.seed_seconds:.1f} s)")
    if topped_up:
        print(f"- topped up with {topped_up} bulk-created scenarios in {top_up_seconds:.1f} s")
    print(f"- {options.requests} timed requests per row after {options.warmup} warm-up requests\n")
    print(table(measurements))
    missed = [
        item for item in measurements if item.variant.target_ms and item.median_ms >= item.variant.target_ms
    ]
    print("\nAll targets met." if not missed else f"\n{len(missed)} target(s) MISSED.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
