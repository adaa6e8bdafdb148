"""How fast an assessment's coverage and score are computed for every node of a framework
of 10,000 assessable requirements (target: under 300 ms on SQLite on a 2-core machine).

Builds a throwaway SQLite installation (migrations only), generates its own framework
(a realistic tree: 20 themes, each with 10 control groups, each with 50 assessable
requirements, so 10,000 assessable nodes under 220 headings), an organisation of one
unit and one person, and an assessment whose results are spread over every result
(a share of them inferred, a share not assessed). Then it times
`garrison.compliance.services.assessments.coverage` — the two plain-value queries and the
one-pass roll-up — and prints the median and worst of N runs.

    .venv/bin/python benchmarks/compliance_coverage.py [--runs 15] [--requirements 10000] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_database  # a sibling script module, found through the path set above

TARGET_MS = 300.0
THEMES = 20
GROUPS_PER_THEME = 10
BATCH_SIZE = 2000
RESULT_WEIGHTS = {
    "compliant": 45,
    "partial": 15,
    "non_compliant": 10,
    "not_applicable": 5,
    "not_assessed": 25,
}
INFERRED_SHARE = 0.1


def build(requirements: int, seed: int) -> int:
    """The framework, the organisation and an assessment with its results; returns its id."""
    from garrison.compliance.models import Framework, RequirementNode, RequirementResult
    from garrison.compliance.services import assessments as services
    from garrison.core.services import org

    rng = random.Random(f"compliance-coverage/{seed}")  # noqa: S311 - benchmark data
    framework = Framework.objects.create(
        urn="urn:benchmark:framework:coverage", reference="BENCH", name="Coverage benchmark"
    )
    per_group = max(1, requirements // (THEMES * GROUPS_PER_THEME))
    order = 0
    nodes: list[RequirementNode] = []

    def node(parent: RequirementNode | None, key: str, assessable: bool) -> RequirementNode:
        nonlocal order
        order += 1
        item = RequirementNode(
            framework=framework,
            urn=f"urn:benchmark:req:{key}",
            parent=parent,
            reference=key,
            name=f"Requirement {key}",
            is_assessable=assessable,
            order=order,
            depth=0 if parent is None else parent.depth + 1,
        )
        item.save() if not assessable else nodes.append(item)
        return item

    for theme in range(1, THEMES + 1):
        heading = node(None, f"T{theme}", False)
        for group in range(1, GROUPS_PER_THEME + 1):
            group_node = node(heading, f"T{theme}.{group}", False)
            for number in range(1, per_group + 1):
                node(group_node, f"T{theme}.{group}.{number}", True)
    RequirementNode.objects.bulk_create(nodes, batch_size=BATCH_SIZE)

    root = org.create_unit(by=None, name="Benchmark", code="bench", kind="company")
    person = org.create_person(
        by=None,
        username="bench",
        full_name="Bench",
        unit=root,
        password="Benchmark-passw0rd-long",  # noqa: S106
    )
    assessment = services.create_assessment(
        by=None, framework=framework, unit=root, lead=person, name="Bench"
    )
    results = list(RequirementResult.objects.filter(assessment=assessment))
    values, weights = zip(*RESULT_WEIGHTS.items(), strict=True)
    for row in results:
        row.result = rng.choices(values, weights=weights)[0]
        row.is_inferred = row.result != "not_assessed" and rng.random() < INFERRED_SHARE
        if row.result == "not_applicable":
            row.justification = "Out of scope."
    RequirementResult.objects.bulk_update(
        results, ["result", "is_inferred", "justification"], batch_size=BATCH_SIZE
    )
    return assessment.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--requirements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None)
    options = parser.parse_args()
    demo_database.configure(options.data_dir)

    import django

    django.setup()
    from django.core.management import call_command

    from garrison.compliance.models import Assessment, RequirementNode
    from garrison.compliance.services import assessments as services

    call_command("migrate", verbosity=0, interactive=False)
    existing = Assessment.objects.filter(framework__urn="urn:benchmark:framework:coverage").first()
    assessment_id = existing.pk if existing else build(options.requirements, options.seed)
    assessment = Assessment.objects.get(pk=assessment_id)
    services.coverage(assessment)  # warm the connection and the page cache
    timings = []
    for _run in range(options.runs):
        started = time.perf_counter()
        nodes = services.coverage(assessment)
        timings.append((time.perf_counter() - started) * 1000)
    total = services.assessment_coverage(assessment).total
    median = statistics.median(timings)
    node_count = RequirementNode.objects.filter(framework_id=assessment.framework_id).count()
    print(f"Python {platform.python_version()} on {platform.machine()}, SQLite")
    print(f"{node_count} nodes, {total.assessable} assessable requirements, {len(nodes)} node scores")
    print(f"assessed {total.assessed}, inferred {total.inferred}, score {total.score:.1f}%")
    print("| runs | median ms | min ms | max ms | target ms |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {options.runs} | {median:.1f} | {min(timings):.1f} | {max(timings):.1f} | {TARGET_MS:.0f} |")
    if median >= TARGET_MS:
        raise SystemExit(f"median {median:.1f} ms is above the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
