"""A framework's requirement tree built in memory from its flat nodes.

All nodes of a framework are read with one query and nested here, so that showing a
tree of a thousand requirements costs the same few queries as showing one of ten.
Pure: works on any objects with `pk`, `parent_id` and `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TreeNode:
    """One requirement and its children in reading order; `is_match` marks the nodes a
    search found (their ancestors are kept to show where they sit)."""

    node: Any
    children: list[TreeNode] = field(default_factory=list)
    is_match: bool = False

    def walk(self) -> Iterable[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def build_tree(nodes: Sequence[Any], keep: Callable[[Any], bool] | None = None) -> list[TreeNode]:
    """The top-level requirements, each with its subtree.

    With `keep`, only the nodes it accepts and their ancestors stay, the accepted ones
    marked as matches. A node whose parent is not among `nodes` is shown at the top,
    so nothing loaded is ever hidden.
    """
    by_id = {node.pk: TreeNode(node) for node in sorted(nodes, key=lambda node: (node.order, node.pk))}
    if keep is not None:
        kept: set[Any] = set()
        for item in by_id.values():
            if not keep(item.node):
                continue
            item.is_match = True
            current: Any = item.node
            # Walk up until an ancestor already kept; the guard stops a malformed cycle.
            while current is not None and current.pk not in kept:
                kept.add(current.pk)
                parent = by_id.get(current.parent_id)
                current = parent.node if parent is not None else None
        by_id = {pk: item for pk, item in by_id.items() if pk in kept}
    roots = []
    for item in by_id.values():
        parent = by_id.get(item.node.parent_id)
        if parent is None or parent is item:
            roots.append(item)
        else:
            parent.children.append(item)
    return roots


def ancestors(node: Any, nodes_by_id: dict[Any, Any]) -> list[Any]:
    """`node`'s ancestors from the top of the tree down to its parent."""
    chain = []
    seen = {node.pk}
    current = nodes_by_id.get(node.parent_id)
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = nodes_by_id.get(current.parent_id)
    return list(reversed(chain))


@dataclass
class TreeRow:
    """A node as one line of a tree drawn without recursion: after the line, `closes`
    enclosing groups end."""

    item: TreeNode
    depth: int
    closes: int = 0

    @property
    def node(self) -> Any:
        return self.item.node

    @property
    def has_children(self) -> bool:
        return bool(self.item.children)

    @property
    def closing_groups(self) -> range:
        """One item per group ending after this row, for templates to loop over."""
        return range(self.closes)


def flatten(roots: Sequence[TreeNode]) -> list[TreeRow]:
    """The tree in reading order, each row knowing how many groups close after it."""
    rows: list[TreeRow] = []

    def visit(item: TreeNode, depth: int) -> None:
        rows.append(TreeRow(item, depth))
        if not item.children:
            return
        for child in item.children:
            visit(child, depth + 1)
        # The last row written is this node's last descendant: its group ends there.
        rows[-1].closes += 1

    for root in roots:
        visit(root, 0)
    return rows
