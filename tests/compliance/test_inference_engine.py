"""The pure inference engine: what each relation carries, several sources, reverse mappings."""

from __future__ import annotations

import pytest

from garrison.compliance.inference import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    NOT_ASSESSED,
    PARTIAL,
    Basis,
    Link,
    carried_result,
    propose,
    reverse_link,
)

TARGET = 100


@pytest.mark.parametrize(
    ("relation", "source_result", "proposed"),
    [
        ("equal", COMPLIANT, COMPLIANT),
        ("equal", PARTIAL, PARTIAL),
        ("equal", NON_COMPLIANT, NON_COMPLIANT),
        ("equal", NOT_APPLICABLE, NOT_APPLICABLE),
        ("superset", COMPLIANT, COMPLIANT),
        ("superset", PARTIAL, PARTIAL),
        ("superset", NON_COMPLIANT, NON_COMPLIANT),
        ("superset", NOT_APPLICABLE, None),
        ("subset", COMPLIANT, PARTIAL),
        ("subset", PARTIAL, PARTIAL),
        ("subset", NON_COMPLIANT, NON_COMPLIANT),
        ("subset", NOT_APPLICABLE, None),
        ("intersect", COMPLIANT, PARTIAL),
        ("intersect", PARTIAL, PARTIAL),
        ("intersect", NON_COMPLIANT, NON_COMPLIANT),
        ("intersect", NOT_APPLICABLE, None),
        ("equal", NOT_ASSESSED, None),
    ],
)
def test_each_relation_carries_a_source_result_as_the_rules_say(
    relation: str, source_result: str, proposed: str | None
) -> None:
    assert carried_result(relation, source_result) == proposed
    proposals = propose([Link(1, TARGET, relation)], {1: source_result})
    if proposed is None:
        assert proposals == {}
    else:
        assert proposals[TARGET].result == proposed
        assert proposals[TARGET].bases == (Basis(1, relation, source_result),)


def test_an_unknown_relation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown relation"):
        carried_result("overlaps", COMPLIANT)


def test_the_weakest_of_several_sources_wins() -> None:
    links = [Link(1, TARGET, "equal", 3), Link(2, TARGET, "equal", 1), Link(3, TARGET, "superset", 2)]
    proposal = propose(links, {1: COMPLIANT, 2: PARTIAL, 3: NON_COMPLIANT})[TARGET]
    assert proposal.result == NON_COMPLIANT
    assert [basis.source for basis in proposal.bases] == [3]


def test_a_partial_cover_of_a_compliant_source_weakens_the_target_below_a_full_cover() -> None:
    links = [Link(1, TARGET, "equal"), Link(2, TARGET, "intersect")]
    proposal = propose(links, {1: COMPLIANT, 2: COMPLIANT})[TARGET]
    assert proposal.result == PARTIAL
    assert [basis.source for basis in proposal.bases] == [2]


def test_the_leading_basis_has_the_highest_strength_then_the_closest_relation() -> None:
    links = [Link(1, TARGET, "intersect", 1), Link(2, TARGET, "subset", 3), Link(3, TARGET, "intersect", 3)]
    proposal = propose(links, {1: PARTIAL, 2: PARTIAL, 3: PARTIAL})[TARGET]
    assert proposal.leading.source == 2
    no_strength = propose([Link(5, TARGET, "intersect"), Link(4, TARGET, "equal")], {4: PARTIAL, 5: PARTIAL})
    assert no_strength[TARGET].leading.source == 4


def test_not_applicable_only_when_every_source_is_not_applicable_through_equal() -> None:
    both_equal = [Link(1, TARGET, "equal"), Link(2, TARGET, "equal")]
    assert propose(both_equal, {1: NOT_APPLICABLE, 2: NOT_APPLICABLE})[TARGET].result == NOT_APPLICABLE
    one_through_intersect = [Link(1, TARGET, "equal"), Link(2, TARGET, "intersect")]
    assert propose(one_through_intersect, {1: NOT_APPLICABLE, 2: NOT_APPLICABLE}) == {}


def test_a_definite_result_outweighs_a_not_applicable_source() -> None:
    links = [Link(1, TARGET, "equal"), Link(2, TARGET, "intersect")]
    proposal = propose(links, {1: NOT_APPLICABLE, 2: COMPLIANT})[TARGET]
    assert proposal.result == PARTIAL


def test_sources_not_assessed_or_missing_take_no_part() -> None:
    links = [Link(1, TARGET, "equal"), Link(2, TARGET, "equal"), Link(3, 200, "equal")]
    proposals = propose(links, {1: NOT_ASSESSED, 2: COMPLIANT})
    assert list(proposals) == [TARGET]
    assert proposals[TARGET].result == COMPLIANT


def test_a_reverse_mapping_swaps_its_ends_and_inverts_subset_and_superset() -> None:
    # The mapping set says "target-framework 7 is a subset of source-framework 1": seen from
    # the source framework, requirement 1 is a superset of 7, so it covers all of it.
    link = reverse_link(7, 1, "subset", 2)
    assert link == Link(source=1, target=7, relation="superset", strength=2)
    assert propose([link], {1: COMPLIANT})[7].result == COMPLIANT
    assert reverse_link(7, 1, "superset").relation == "subset"
    assert propose([reverse_link(7, 1, "superset")], {1: COMPLIANT})[7].result == PARTIAL
    assert reverse_link(7, 1, "equal").relation == "equal"
    assert reverse_link(7, 1, "intersect").relation == "intersect"
