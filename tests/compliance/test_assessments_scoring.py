"""The roll-up rule of garrison.compliance.scoring, on plain tuples."""

from __future__ import annotations

import pytest

from garrison.compliance import scoring
from garrison.compliance.models import Result

# 1 (heading) ─ 2 (heading) ─ 3, 4 ; 1 ─ 5 ; 6 (assessable root with child 7)
TREE = [
    (1, None, False),
    (2, 1, False),
    (3, 2, True),
    (4, 2, True),
    (5, 1, True),
    (6, None, True),
    (7, 6, True),
]


def test_the_result_values_are_the_models() -> None:
    assert set(Result.values) == {scoring.NOT_ASSESSED, *scoring.ASSESSED_RESULTS}


def test_it_rolls_counts_up_to_every_ancestor() -> None:
    coverage = scoring.roll_up(
        TREE,
        {
            3: ("compliant", False),
            4: ("partial", False),
            5: ("non_compliant", False),
            7: ("not_applicable", False),
        },
    )
    heading = coverage.nodes[1]
    assert (heading.assessable, heading.compliant, heading.partial, heading.non_compliant) == (3, 1, 1, 1)
    assert coverage.nodes[2].assessable == 2
    assert coverage.nodes[2].score == pytest.approx(75.0)
    assert heading.score == pytest.approx(50.0)
    assert heading.progress == pytest.approx(100.0)
    # An assessable node counts itself and its children.
    assert coverage.nodes[6].assessable == 2
    assert coverage.nodes[6].not_applicable == 1
    assert coverage.nodes[6].progress == pytest.approx(50.0)
    assert coverage.total.assessable == 5
    assert coverage.total.assessed == 4


def test_not_applicable_and_not_assessed_are_left_out_of_the_score() -> None:
    coverage = scoring.roll_up(TREE, {3: ("compliant", False), 4: ("not_applicable", False)})
    assert coverage.nodes[2].score == pytest.approx(100.0)
    assert coverage.total.score == pytest.approx(100.0)
    assert coverage.total.not_assessed == 3


def test_an_unconfirmed_inferred_result_counts_as_not_assessed_but_apart() -> None:
    coverage = scoring.roll_up(TREE, {3: ("compliant", True), 4: ("non_compliant", False)})
    node = coverage.nodes[2]
    assert (node.compliant, node.inferred, node.assessed, node.not_assessed) == (0, 1, 1, 1)
    assert node.score == pytest.approx(0.0)


def test_nothing_to_divide_gives_no_percentage() -> None:
    coverage = scoring.roll_up([(1, None, False), (2, 1, True)], {})
    assert coverage.nodes[1].score is None
    assert coverage.nodes[1].progress == pytest.approx(0.0)
    heading_only = scoring.roll_up([(1, None, False)], {})
    assert heading_only.nodes[1].progress is None
    assert heading_only.total.as_dict()["score"] is None


def test_order_does_not_matter_and_orphans_are_top_level() -> None:
    shuffled = [*reversed(TREE), (8, 99, True)]
    coverage = scoring.roll_up(shuffled, {3: ("compliant", False), 8: ("partial", False)})
    assert coverage.nodes[1].compliant == 1
    assert coverage.total.assessable == 6
    assert coverage.total.partial == 1


def test_a_cycle_does_not_loop() -> None:
    coverage = scoring.roll_up([(1, 2, True), (2, 1, True), (3, None, True)], {3: ("compliant", False)})
    assert coverage.total.assessable == 1
    assert coverage.nodes[1].assessable == 1


def test_results_of_headings_are_ignored() -> None:
    coverage = scoring.roll_up([(1, None, False)], {1: ("compliant", False)})
    assert coverage.nodes[1].assessable == 0
    assert coverage.nodes[1].compliant == 0
