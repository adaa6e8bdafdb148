"""Figures the domain apps put on the dashboard, without the web app importing them.

An app registers a function from its `AppConfig.ready()`::

    dashboard.register_tiles("risks", risk_tiles)

The function receives the person and returns `Tile`s: a label, a number and the page
that lists what was counted. Each counts only what the person may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Tile:
    label: str | Promise
    count: int
    url: str
    # Drawn as a warning when the number asks for action and is not zero.
    is_warning: bool = False


TileFunction = Callable[[Any], list[Tile]]

_providers: dict[str, TileFunction] = {}


def register_tiles(name: str, function: TileFunction) -> None:
    """Add an app's tiles; registering the same name again replaces them (modules may reload)."""
    _providers[name] = function


def tiles_for(person: Any) -> list[Tile]:
    tiles: list[Tile] = []
    for name in sorted(_providers):
        tiles.extend(_providers[name](person))
    return tiles
