"""The dependency graph of assets, on plain data. Pure module: no Django import.

An edge ``(dependent, dependency)`` says that `dependent` needs `dependency` to work
(an application needs its database, a room needs its UPS). Nodes are any hashable
ids. Two rules live here:

- the graph stays acyclic: `closing_cycle` finds the cycle a new edge would close,
  as the path of ids to name in the refusal ("AST-1 → AST-7 → AST-3 → AST-1");
- an asset's effective criticality is the highest of its own criticality and the
  effective criticality of every asset depending on it, directly or transitively:
  what the business loses when it fails is at least what its dependents lose.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Node = TypeVar("Node", bound=Hashable)


def dependencies_by_dependent(edges: Iterable[tuple[Node, Node]]) -> dict[Node, list[Node]]:
    """For each dependent, what it depends on, in the order the edges came."""
    adjacency: dict[Node, list[Node]] = defaultdict(list)
    for dependent, dependency in edges:
        adjacency[dependent].append(dependency)
    return adjacency


def dependents_by_dependency(edges: Iterable[tuple[Node, Node]]) -> dict[Node, list[Node]]:
    """For each dependency, the assets depending on it, in the order the edges came."""
    adjacency: dict[Node, list[Node]] = defaultdict(list)
    for dependent, dependency in edges:
        adjacency[dependency].append(dependent)
    return adjacency


def shortest_path(adjacency: Mapping[Node, Sequence[Node]], start: Node, goal: Node) -> list[Node] | None:
    """The shortest path of nodes from `start` to `goal` following `adjacency`, or None."""
    if start == goal:
        return [start]
    previous: dict[Node, Node] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for following in adjacency.get(node, ()):
            if following in seen:
                continue
            previous[following] = node
            if following == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1]
            seen.add(following)
            queue.append(following)
    return None


def closing_cycle(edges: Iterable[tuple[Node, Node]], dependent: Node, dependency: Node) -> list[Node] | None:
    """The cycle that adding ``dependent → dependency`` to `edges` would close, or None.

    The cycle is given as the path that starts and ends at `dependent`:
    ``[dependent, dependency, …, dependent]``; an asset depending on itself gives
    ``[dependent, dependent]``. A cycle exists exactly when `dependent` can already
    be reached from `dependency`, and the shortest such way round is returned, as
    the easiest one for a person to read and break.
    """
    path = shortest_path(dependencies_by_dependent(edges), dependency, dependent)
    if path is None:
        return None
    return [dependent, *path]


def downstream(edges: Iterable[tuple[Node, Node]], starts: Iterable[Node]) -> set[Node]:
    """`starts` and everything they depend on, directly or transitively."""
    adjacency = dependencies_by_dependent(edges)
    found = set(starts)
    queue = deque(found)
    while queue:
        for dependency in adjacency.get(queue.popleft(), ()):
            if dependency not in found:
                found.add(dependency)
                queue.append(dependency)
    return found


def effective_criticalities(own: Mapping[Node, int], edges: Iterable[tuple[Node, Node]]) -> dict[Node, int]:
    """The effective criticality of every node of `own`.

    `own` holds each node's own criticality; a node met only in `edges` counts as
    having none. To recompute part of a large graph, pass the part's nodes with their
    own criticality, the edges into the part, and the dependents just outside it with
    their (unchanged) effective criticality as if it were their own.

    Values only ever rise and are bounded by the highest criticality, so the
    propagation ends even if the data held a cycle (every node of it then takes the
    cycle's highest value); each node is revisited at most once per level it rises.
    """
    adjacency = dependencies_by_dependent(edges)
    effective = dict(own)
    queue = deque(node for node in own if node in adjacency)
    while queue:
        node = queue.popleft()
        value = effective.get(node)
        if value is None:
            continue
        for dependency in adjacency.get(node, ()):
            if effective.get(dependency) is None or effective[dependency] < value:
                effective[dependency] = value
                queue.append(dependency)
    return {node: effective[node] for node in own}


def raising_path(
    node: Node,
    own: Mapping[Node, int],
    effective: Mapping[Node, int],
    edges: Iterable[tuple[Node, Node]],
) -> list[Node]:
    """Why `node` has its effective criticality: the shortest chain of dependents from
    an asset whose own criticality is that value down to `node` (``[origin, …, node]``).

    `[node]` alone when its own criticality is the effective one, or when the asset
    that raised it is not among the given nodes (out of the reader's reach).
    """
    target = effective.get(node)
    if target is None or own.get(node) == target:
        return [node]
    # Only dependents at the same effective criticality can have carried it down.
    upward: dict[Node, list[Node]] = defaultdict(list)
    for dependent, dependency in edges:
        if effective.get(dependent) == target:
            upward[dependency].append(dependent)
    previous: dict[Node, Node] = {}
    seen = {node}
    queue = deque([node])
    while queue:
        current = queue.popleft()
        for dependent in upward.get(current, ()):
            if dependent in seen:
                continue
            previous[dependent] = current
            if own.get(dependent) == target:
                path = [dependent]
                while path[-1] != node:
                    path.append(previous[path[-1]])
                return path
            seen.add(dependent)
            queue.append(dependent)
    return [node]
