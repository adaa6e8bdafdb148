"""The heat map of the register: how many scenarios sit in each cell of each matrix,
by inherent and by current (residual) rating, with the level of every cell.

Two aggregate queries whatever the number of scenarios (one per rating), so that the
map of 50,000 scenarios is drawn from at most a few hundred counted rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from garrison.risks.models import RiskMatrix, RiskScenario

RATINGS = ("inherent", "current")
# The CSS classes of level badges and cells (garrison.css); a matrix whose level keys
# are not among them is coloured by the level's position on its own scale.
LEVEL_CLASSES = ("low", "medium", "high", "critical")


def level_css_class(matrix: RiskMatrix, rank: int | None) -> str:
    """The CSS class colouring level `rank` of `matrix` (CSP: no inline colours)."""
    level = matrix.level(rank)
    if level is None or rank is None:
        return "risk-level-none"
    if level.key in LEVEL_CLASSES:
        return f"risk-level-{level.key}"
    steps = len(matrix.levels)
    position = (rank - 1) * (len(LEVEL_CLASSES) - 1) // max(steps - 1, 1) if steps > 1 else 0
    return f"risk-level-{LEVEL_CLASSES[position]}"


@dataclass(frozen=True)
class LevelBadge:
    """A level as shown in a list or on a page: its name and the class colouring it.
    Written as its name in exports."""

    rank: int | None
    name: str
    css_class: str

    def __str__(self) -> str:
        return self.name


def level_badge(matrix: RiskMatrix, rank: int | None) -> LevelBadge | None:
    if rank is None:
        return None
    return LevelBadge(rank, matrix.level_name(rank), level_css_class(matrix, rank))


@dataclass
class Cell:
    likelihood: int
    impact: int
    level: int
    count: int = 0


@dataclass
class Grid:
    """One rating's cells: `rows[0]` is the highest likelihood, as the map is drawn."""

    rating: str
    rows: list[list[Cell]]
    total: int


@dataclass
class MatrixMap:
    matrix: RiskMatrix
    grids: dict[str, Grid] = field(default_factory=dict)

    @property
    def likelihood_names(self) -> list[str]:
        return self.matrix.step_names("likelihood")

    @property
    def impact_names(self) -> list[str]:
        return self.matrix.step_names("impact")


def _counts(queryset: QuerySet[RiskScenario], rating: str) -> dict[int, dict[tuple[int, int], int]]:
    rows = (
        queryset.order_by()
        .values_list("matrix_id", f"{rating}_likelihood", f"{rating}_impact")
        .annotate(count=Count("pk"))
    )
    counts: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for matrix_id, likelihood, impact, count in rows:
        counts[matrix_id][(likelihood, impact)] = count
    return counts


def heat_map(queryset: QuerySet[RiskScenario], matrices: Iterable[RiskMatrix] = ()) -> list[MatrixMap]:
    """The maps of the scenarios in `queryset`: one per matrix they are rated on, plus
    any of `matrices` (so that an empty register still shows its default matrix)."""
    counts = {rating: _counts(queryset, rating) for rating in RATINGS}
    wanted = {matrix_id for rating in RATINGS for matrix_id in counts[rating]}
    shown = {matrix.pk: matrix for matrix in matrices}
    missing = wanted - set(shown)
    if missing:
        shown.update({matrix.pk: matrix for matrix in RiskMatrix.objects.filter(pk__in=missing)})
    maps = []
    for matrix in sorted(shown.values(), key=lambda item: (not item.is_default, item.name, item.pk)):
        value = matrix.as_matrix()
        matrix_map = MatrixMap(matrix)
        for rating in RATINGS:
            cells = counts[rating].get(matrix.pk, {})
            rows = [
                [
                    Cell(
                        likelihood,
                        impact,
                        value.level_of(likelihood, impact),
                        cells.get((likelihood, impact), 0),
                    )
                    for impact in range(1, value.impact_steps + 1)
                ]
                for likelihood in range(value.likelihood_steps, 0, -1)
            ]
            matrix_map.grids[rating] = Grid(rating, rows, sum(cells.values()))
        maps.append(matrix_map)
    return maps


def as_data(maps: Iterable[MatrixMap]) -> dict[str, Any]:
    """The maps as the API answers them."""
    return {
        "matrices": [
            {
                "id": matrix_map.matrix.pk,
                "urn": matrix_map.matrix.urn,
                "name": matrix_map.matrix.name,
                "appetite": matrix_map.matrix.appetite,
                "likelihood": matrix_map.likelihood_names,
                "impact": matrix_map.impact_names,
                "levels": [
                    {
                        "rank": rank,
                        "key": level.key,
                        "name": matrix_map.matrix.level_name(rank),
                        "colour": level.colour,
                    }
                    for rank, level in enumerate(matrix_map.matrix.as_matrix().levels, start=1)
                ],
                **{
                    rating: {
                        "total": grid.total,
                        "cells": [
                            {
                                "likelihood": cell.likelihood,
                                "impact": cell.impact,
                                "level": cell.level,
                                "count": cell.count,
                            }
                            for row in grid.rows
                            for cell in row
                        ],
                    }
                    for rating, grid in matrix_map.grids.items()
                },
            }
            for matrix_map in maps
        ]
    }
