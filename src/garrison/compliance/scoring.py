"""How far an assessment has got and how well it scores, for every node of the
framework's requirement tree.

Pure: takes plain tuples, knows nothing of Django, so the rule can be read and tested
on its own and the service feeds it straight from `values_list`.

The rule, for a node and everything below it:

- **assessable**: the assessable requirements in the subtree (the node itself included
  when it is assessable); headings only group them.
- **assessed**: those with a result a person gave or confirmed: compliant, partially
  compliant, non-compliant or not applicable.
- An **inferred** result (proposed from a mapped framework's assessment and not yet
  confirmed by a person) counts as *not assessed*; it is also counted in `inferred`, so
  the page can say how many proposals wait for a confirmation.
- **progress** = assessed / assessable, in percent (None when nothing is assessable).
- **score** = (compliant * 1 + partial * 0.5 + non-compliant * 0) / (compliant + partial +
  non-compliant), in percent. Not applicable and not assessed requirements are left out;
  None when no requirement has a scoring result yet.

Every node's figures are the sums of its own and its children's, computed in one
bottom-up walk of the tree: O(number of nodes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# The values of garrison.compliance.models.Result (checked equal by the tests).
NOT_ASSESSED = "not_assessed"
COMPLIANT = "compliant"
PARTIAL = "partial"
NON_COMPLIANT = "non_compliant"
NOT_APPLICABLE = "not_applicable"
ASSESSED_RESULTS = (COMPLIANT, PARTIAL, NON_COMPLIANT, NOT_APPLICABLE)
SCORING_RESULTS = (COMPLIANT, PARTIAL, NON_COMPLIANT)
WEIGHTS = {COMPLIANT: 1.0, PARTIAL: 0.5, NON_COMPLIANT: 0.0}

# (node id, parent id or None, is assessable), in the framework's reading order.
TreeEntry = tuple[int, int | None, bool]
# node id → (result value, whether it is an inferred result not yet confirmed).
ResultEntry = tuple[str, bool]


@dataclass
class NodeScore:
    """The counts of one node's subtree, and the percentages derived from them."""

    assessable: int = 0
    compliant: int = 0
    partial: int = 0
    non_compliant: int = 0
    not_applicable: int = 0
    inferred: int = 0

    @property
    def assessed(self) -> int:
        return self.compliant + self.partial + self.non_compliant + self.not_applicable

    @property
    def not_assessed(self) -> int:
        """Assessable requirements without a confirmed result (inferred ones included)."""
        return self.assessable - self.assessed

    @property
    def scored(self) -> int:
        return self.compliant + self.partial + self.non_compliant

    @property
    def progress(self) -> float | None:
        if not self.assessable:
            return None
        return 100.0 * self.assessed / self.assessable

    @property
    def score(self) -> float | None:
        if not self.scored:
            return None
        return 100.0 * (self.compliant + 0.5 * self.partial) / self.scored

    @property
    def is_complete(self) -> bool:
        return self.assessed == self.assessable

    def add(self, other: NodeScore) -> None:
        self.assessable += other.assessable
        self.compliant += other.compliant
        self.partial += other.partial
        self.non_compliant += other.non_compliant
        self.not_applicable += other.not_applicable
        self.inferred += other.inferred

    def count(self, result: str, is_inferred: bool) -> None:
        """Count one assessable requirement with `result`."""
        self.assessable += 1
        if is_inferred:
            self.inferred += 1
        elif result == COMPLIANT:
            self.compliant += 1
        elif result == PARTIAL:
            self.partial += 1
        elif result == NON_COMPLIANT:
            self.non_compliant += 1
        elif result == NOT_APPLICABLE:
            self.not_applicable += 1

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "assessable": self.assessable,
            "assessed": self.assessed,
            "not_assessed": self.not_assessed,
            "compliant": self.compliant,
            "partial": self.partial,
            "non_compliant": self.non_compliant,
            "not_applicable": self.not_applicable,
            "inferred": self.inferred,
            "progress": _rounded(self.progress),
            "score": _rounded(self.score),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class Coverage:
    """Every node's figures, and the whole framework's (the sum of its top-level nodes)."""

    nodes: dict[int, NodeScore]
    total: NodeScore = field(default_factory=NodeScore)


def roll_up(tree: Iterable[TreeEntry], results: Mapping[int, ResultEntry]) -> Coverage:
    """Count each assessable node's result into itself and all its ancestors.

    `tree` lists the nodes with their parents; an assessable node missing from `results`
    counts as not assessed, and a result for a node that is not assessable is ignored
    (the framework changed since). A node whose parent is not in `tree` is a top-level
    node. The walk does not depend on the order given: children are summed before their
    parent by an explicit stack, so a malformed order or even a cycle cannot loop.
    """
    scores: dict[int, NodeScore] = {}
    parents: dict[int, int | None] = {}
    children: dict[int | None, list[int]] = {}
    for node_id, parent_id, is_assessable in tree:
        score = NodeScore()
        if is_assessable:
            result, is_inferred = results.get(node_id, (NOT_ASSESSED, False))
            score.count(result, is_inferred)
        scores[node_id] = score
        parents[node_id] = parent_id
    for node_id, parent_id in parents.items():
        key = parent_id if parent_id in scores and parent_id != node_id else None
        children.setdefault(key, []).append(node_id)
    total = NodeScore()
    # Post-order walk from the top-level nodes: a node is summed into its parent once all
    # its children have been summed into it.
    visited: set[int] = set()
    for root in children.get(None, []):
        stack: list[tuple[int, bool]] = [(root, False)]
        while stack:
            node_id, children_done = stack.pop()
            if children_done:
                parent_id = parents[node_id]
                if parent_id in scores and parent_id != node_id:
                    scores[parent_id].add(scores[node_id])
                continue
            if node_id in visited:
                continue
            visited.add(node_id)
            stack.append((node_id, True))
            stack.extend((child, False) for child in children.get(node_id, []))
        total.add(scores[root])
    return Coverage(nodes=scores, total=total)
