"""Mapping inference: results in one framework propose results in a mapped framework. Pure: no Django.

A relation is read "the source requirement is <relation> of the target requirement":

- `equal` or `superset`: the source covers all of the target, so its result carries over
  (compliant, partially compliant or non-compliant alike).
- `subset` or `intersect`: the source covers only part of the target. Compliant becomes
  partially compliant (the rest of the target is unknown); partially compliant stays
  partial; non-compliant stays non-compliant (a failed part fails the whole).
- Not applicable carries over `equal` only: a requirement that does not apply says nothing
  about a larger or overlapping one.

Several sources for one target: the weakest proposal wins (non-compliant < partially
compliant < compliant). Not applicable is proposed only when every assessed source of the
target is not applicable through an `equal` relation; a not-applicable source reached
through another relation then proposes nothing for that target.

A mapping set written in the other direction (from the target framework to the source
framework) is used through the inverse relation: `subset` and `superset` swap, `equal`
and `intersect` stay (`reverse_link`).

Which proposal is kept for a target names its basis: every source that led to it, and the
leading one (highest mapping strength, then the closest relation) as the row it was
inferred from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EQUAL = "equal"
SUBSET = "subset"
SUPERSET = "superset"
INTERSECT = "intersect"
RELATIONS = (EQUAL, SUPERSET, SUBSET, INTERSECT)  # closest first
INVERSE = {EQUAL: EQUAL, SUBSET: SUPERSET, SUPERSET: SUBSET, INTERSECT: INTERSECT}
FULL_COVER = frozenset({EQUAL, SUPERSET})

COMPLIANT = "compliant"
PARTIAL = "partial"
NON_COMPLIANT = "non_compliant"
NOT_APPLICABLE = "not_applicable"
NOT_ASSESSED = "not_assessed"
# Weakest first: the first of these among several proposals wins.
STRENGTH_ORDER = (NON_COMPLIANT, PARTIAL, COMPLIANT)
CARRIED = frozenset({COMPLIANT, PARTIAL, NON_COMPLIANT, NOT_APPLICABLE})


@dataclass(frozen=True)
class Link:
    """One mapping relation, oriented from the source framework to the target framework."""

    source: int
    target: int
    relation: str
    strength: int | None = None


@dataclass(frozen=True)
class Basis:
    """A source requirement's result that took part in a proposal, and through which relation."""

    source: int
    relation: str
    source_result: str
    strength: int | None = None


@dataclass(frozen=True)
class Proposal:
    """The result proposed for one target requirement, with every source behind it;
    `leading` is the basis the proposal is recorded as inferred from."""

    target: int
    result: str
    bases: tuple[Basis, ...]

    @property
    def leading(self) -> Basis:
        return min(
            self.bases,
            key=lambda basis: (-(basis.strength or 0), RELATIONS.index(basis.relation), basis.source),
        )


def reverse_link(source: int, target: int, relation: str, strength: int | None = None) -> Link:
    """A relation of a mapping set written target → source, turned to run source → target.

    `source` and `target` are the mapping's own ends (so `target` is in the source framework).
    """
    if relation not in INVERSE:
        raise ValueError(f"unknown relation {relation!r}")
    return Link(source=target, target=source, relation=INVERSE[relation], strength=strength)


def carried_result(relation: str, source_result: str) -> str | None:
    """What one source result proposes through one relation (None: nothing)."""
    if relation not in INVERSE:
        raise ValueError(f"unknown relation {relation!r}")
    if source_result not in CARRIED:
        return None
    if source_result == NOT_APPLICABLE:
        return NOT_APPLICABLE if relation == EQUAL else None
    if relation in FULL_COVER:
        return source_result
    return PARTIAL if source_result == COMPLIANT else source_result


def propose(links: Iterable[Link], source_results: Mapping[int, str]) -> dict[int, Proposal]:
    """One proposal per target requirement reached by an assessed source requirement.

    `source_results` maps a source requirement to its result; requirements missing from it
    or not assessed take no part.
    """
    by_target: dict[int, list[tuple[Basis, str | None]]] = defaultdict(list)
    for link in links:
        source_result = source_results.get(link.source)
        if source_result not in CARRIED:
            continue
        assert source_result is not None
        basis = Basis(link.source, link.relation, source_result, link.strength)
        by_target[link.target].append((basis, carried_result(link.relation, source_result)))

    proposals: dict[int, Proposal] = {}
    for target, candidates in by_target.items():
        definite = [
            (basis, result) for basis, result in candidates if result is not None and result != NOT_APPLICABLE
        ]
        if definite:
            weakest = min((result for _basis, result in definite), key=STRENGTH_ORDER.index)
            bases = tuple(basis for basis, result in definite if result == weakest)
            proposals[target] = Proposal(target, weakest, bases)
        elif all(result == NOT_APPLICABLE for _basis, result in candidates):
            proposals[target] = Proposal(target, NOT_APPLICABLE, tuple(basis for basis, _r in candidates))
    return dict(sorted(proposals.items()))
