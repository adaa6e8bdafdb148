"""Reading the inventory: which units a person manages assets in, which assets a scanned
host is, and the dependency graph around an asset as its page and the API show it.

Reads only; every write is in garrison.assets.services. Functions that take a
`person` return only what that person may see (garrison.core.scoping); `person`
None is the system, which sees everything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from garrison.assets import graph
from garrison.assets.identifiers import InvalidIdentifier, normalise_host_name
from garrison.assets.models import Asset, AssetDependency, AssetIdentifier, IdentifierKind
from garrison.core.models import OrgUnit
from garrison.core.roles import Action, Domain
from garrison.core.scoping import grant_paths, is_authenticated_person, restrict

T = TypeVar("T")

# Large enough that an import of tens of thousands of rows looks each table up in one
# query, small enough for PostgreSQL's 65,535 parameters and SQLite's 32,766.
LOOKUP_CHUNK = 20_000
# How far the asset page and the graph API follow dependencies by default, and at most.
TREE_DEPTH = 3
TREE_MAX_DEPTH = 6
# The most assets one tree shows: a core switch may be needed by thousands of assets.
TREE_MAX_NODES = 200
# How far up the explanation of an effective criticality looks for the asset that set it;
# a chain longer than this is reported like one ending out of the reader's sight.
EXPLANATION_MAX_LEVELS = 100


def chunks(values: Iterable[T], size: int = LOOKUP_CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def visible(queryset: QuerySet[Any], person: Any, action: Action = Action.VIEW) -> QuerySet[Any]:
    """`queryset` cut to what `person` may take `action` on; the system (None) is not cut."""
    return queryset if person is None else restrict(queryset, person, action)


def units_within_reach(person: Any, action: Action) -> QuerySet[OrgUnit]:
    """Units in which `person` may take `action` on assets (as custodian units)."""
    units = OrgUnit.objects.all()
    if person is None:
        return units
    if not is_authenticated_person(person):
        return units.none()
    if person.is_superuser:
        return units
    paths = grant_paths(person).get((Domain.ASSETS, action), [])
    if not paths:
        return units.none()
    return units.filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def assets_matching_host(ip: str | None = None, host_name: str | None = None) -> QuerySet[Asset]:
    """Assets that carry the IP address `ip` or the host name `host_name` (either may match).

    Both are compared in their normalised spelling (``10.0.0.1``; lower-case host name,
    no trailing dot), so a scanner's ``Web01.Example.com.`` finds ``web01.example.com``.
    A value that is not a valid address or host name matches nothing. Not scoped: a
    caller acting for a person cuts the result with garrison.core.scoping.restrict.
    """
    condition = Q(pk__in=[])
    if ip:
        try:
            address = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            pass
        else:
            condition |= Q(kind=IdentifierKind.IP_ADDRESS, value=address)
    if host_name:
        try:
            name = normalise_host_name(host_name)
        except InvalidIdentifier:
            pass
        else:
            condition |= Q(kind=IdentifierKind.HOST_NAME, value=name)
    matching = AssetIdentifier.objects.filter(condition).values("asset_id")
    return Asset.objects.filter(pk__in=matching)


def downstream_edges(starts: Iterable[int]) -> tuple[set[int], list[tuple[int, int]]]:
    """`starts` with everything they depend on (directly or not), and the edges followed:
    one query per level of the graph."""
    found = set(starts)
    frontier = set(found)
    edges: list[tuple[int, int]] = []
    while frontier:
        following: set[int] = set()
        for batch in chunks(frontier):
            for dependent, dependency in AssetDependency.objects.filter(dependent_id__in=batch).values_list(
                "dependent_id", "dependency_id"
            ):
                edges.append((dependent, dependency))
                if dependency not in found:
                    following.add(dependency)
        found |= following
        frontier = following
    return found, edges


@dataclass
class TreeNode:
    """An asset in a dependency tree, with the assets one step further in the same direction.

    `is_repeated` marks an asset already shown higher in the tree (its branch is not
    repeated); `is_truncated` one whose further steps are beyond the depth or size shown.
    """

    asset: Asset
    description: str = ""
    children: list[TreeNode] = field(default_factory=list)
    is_repeated: bool = False
    is_truncated: bool = False
    # The edge to this asset from its parent, and whether the reader may remove it (set by the page).
    edge_id: int | None = None
    may_remove: bool = False


@dataclass
class DependencyTree:
    """Both directions of the graph around an asset; `is_cut` when a direction held more
    assets than a page shows."""

    depends_on: list[TreeNode]
    needed_by: list[TreeNode]
    depth: int
    depends_on_is_cut: bool = False
    needed_by_is_cut: bool = False


def _tree(root: Asset, person: Any, *, upward: bool, depth: int) -> tuple[list[TreeNode], bool]:
    """The assets `root` depends on (or, `upward`, those depending on it) to `depth` steps,
    level by level: one query for the edges and assets of each level. Also whether the
    tree was cut at TREE_MAX_NODES."""
    near, far = ("dependency_id", "dependent") if upward else ("dependent_id", "dependency")
    top: list[TreeNode] = []
    frontier: dict[int, list[TreeNode]] = {root.pk: top}
    shown = {root.pk}
    count = 0
    for level in range(depth):
        if not frontier:
            break
        edges = (
            AssetDependency.objects.filter(**{f"{near}__in": list(frontier)})
            .filter(**{f"{far}__in": visible(Asset.objects.all(), person).values("pk")})
            .select_related(f"{far}__unit")
            .order_by(f"{far}__reference")
        )
        parents, frontier = frontier, {}
        for edge in edges:
            if count >= TREE_MAX_NODES:
                _mark_leaves(top, upward=upward)
                return top, True
            count += 1
            asset: Asset = getattr(edge, far)
            node = TreeNode(asset=asset, description=edge.description, edge_id=edge.pk)
            parents[getattr(edge, near)].append(node)
            if asset.pk in shown:
                node.is_repeated = True
            elif level + 1 < depth:
                shown.add(asset.pk)
                frontier[asset.pk] = node.children
            else:
                shown.add(asset.pk)
                node.is_truncated = True
    _mark_leaves(top, upward=upward)
    return top, False


def _leaves(nodes: Sequence[TreeNode]) -> Iterator[TreeNode]:
    for node in nodes:
        if node.is_truncated:
            yield node
        yield from _leaves(node.children)


def _mark_leaves(top: list[TreeNode], *, upward: bool) -> None:
    """A node at the depth limit is only marked truncated when it does go further."""
    leaves = list(_leaves(top))
    if not leaves:
        return
    near = "dependency_id" if upward else "dependent_id"
    further = set(
        AssetDependency.objects.filter(**{f"{near}__in": [leaf.asset.pk for leaf in leaves]}).values_list(
            near, flat=True
        )
    )
    for leaf in leaves:
        leaf.is_truncated = leaf.asset.pk in further


def dependency_tree(asset: Asset, person: Any, depth: int = TREE_DEPTH) -> DependencyTree:
    """What `asset` depends on and what depends on it, both ways to `depth` steps, among
    the assets `person` may see (an asset out of reach is left out with its branch)."""
    depth = max(1, min(depth, TREE_MAX_DEPTH))
    depends_on, depends_on_is_cut = _tree(asset, person, upward=False, depth=depth)
    needed_by, needed_by_is_cut = _tree(asset, person, upward=True, depth=depth)
    return DependencyTree(
        depends_on=depends_on,
        needed_by=needed_by,
        depth=depth,
        depends_on_is_cut=depends_on_is_cut,
        needed_by_is_cut=needed_by_is_cut,
    )


@dataclass(frozen=True)
class CriticalityExplanation:
    """Why an asset's effective criticality is what it is: `chain` runs from the asset whose
    own criticality it is down to this one; `is_hidden` when that asset is out of reach."""

    chain: list[Asset]
    is_own: bool
    is_hidden: bool = False


def explain_criticality(asset: Asset, person: Any) -> CriticalityExplanation:
    """Which dependent raised the asset's effective criticality, and through which assets.

    Walks up the dependents level by level, following only those at the same effective
    criticality (the only ones that can have carried it), until one holds it as its own.
    """
    if asset.effective_criticality <= asset.criticality:
        return CriticalityExplanation(chain=[asset], is_own=True)
    target = asset.effective_criticality
    own = {asset.pk: asset.criticality}
    effective = {asset.pk: target}
    edges: list[tuple[int, int]] = []
    frontier = {asset.pk}
    seen = {asset.pk}
    origin_found = False
    levels = 0
    while frontier and not origin_found and levels < EXPLANATION_MAX_LEVELS:
        levels += 1
        rows = AssetDependency.objects.filter(
            dependency_id__in=list(frontier), dependent__effective_criticality=target
        ).values_list("dependent_id", "dependency_id", "dependent__criticality")
        frontier = set()
        for dependent, dependency, criticality in rows:
            edges.append((dependent, dependency))
            own[dependent] = criticality
            effective[dependent] = target
            origin_found = origin_found or criticality == target
            if dependent not in seen:
                seen.add(dependent)
                frontier.add(dependent)
    path = graph.raising_path(asset.pk, own, effective, edges)
    assets = {item.pk: item for item in visible(Asset.objects.filter(pk__in=path), person)}
    assets[asset.pk] = asset
    return CriticalityExplanation(
        chain=[assets[pk] for pk in path if pk in assets],
        is_own=False,
        is_hidden=len(path) == 1 or any(pk not in assets for pk in path),
    )
