"""A risk matrix as a pure value: ratings in, level out. No Django import.

The model (garrison.risks.models.RiskMatrix) stores the same shape as JSON; library
files describe it in YAML (docs/library-format.md). Ratings and level ranks are
1-based: likelihood 1 is the lowest step of the scale, level 1 the lowest level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class MatrixError(ValueError):
    """The matrix itself is malformed (a library or form error, not a rating error)."""


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    name_zh: str
    colour: str


@dataclass(frozen=True)
class Matrix:
    likelihood_steps: int
    impact_steps: int
    levels: tuple[Level, ...]
    # grid[l][i]: level rank (1-based) of likelihood l+1, impact i+1.
    grid: tuple[tuple[int, ...], ...]
    appetite: int

    @classmethod
    def from_data(
        cls,
        *,
        likelihood: Sequence[Any],
        impact: Sequence[Any],
        levels: Sequence[Mapping[str, Any]],
        grid: Sequence[Sequence[int]],
        appetite: int,
    ) -> Matrix:
        """Build and check a matrix from its stored shape; MatrixError says what is wrong."""
        if not likelihood or not impact:
            raise MatrixError("A matrix needs at least one likelihood and one impact step.")
        if not levels:
            raise MatrixError("A matrix needs at least one risk level.")
        parsed_levels = tuple(
            Level(
                key=str(level.get("key", "")),
                name=str(level.get("name", "")),
                name_zh=str(level.get("name_zh", "")),
                colour=str(level.get("colour", "")),
            )
            for level in levels
        )
        keys = [level.key for level in parsed_levels]
        if any(not key for key in keys) or len(set(keys)) != len(keys):
            raise MatrixError("Every risk level needs a key of its own.")
        if len(grid) != len(likelihood):
            raise MatrixError(f"The grid needs {len(likelihood)} rows, one per likelihood step.")
        rows: list[tuple[int, ...]] = []
        for number, row in enumerate(grid, start=1):
            if len(row) != len(impact):
                raise MatrixError(f"Grid row {number} needs {len(impact)} cells, one per impact step.")
            for cell in row:
                if not isinstance(cell, int) or isinstance(cell, bool) or not 1 <= cell <= len(parsed_levels):
                    raise MatrixError(f"Grid row {number} holds {cell!r}, which is not a level rank.")
            rows.append(tuple(row))
        if not isinstance(appetite, int) or not 1 <= appetite <= len(parsed_levels):
            raise MatrixError(f"The appetite must be a level rank between 1 and {len(parsed_levels)}.")
        return cls(
            likelihood_steps=len(likelihood),
            impact_steps=len(impact),
            levels=parsed_levels,
            grid=tuple(rows),
            appetite=appetite,
        )

    def accepts(self, likelihood: int | None, impact: int | None) -> bool:
        return (
            isinstance(likelihood, int)
            and isinstance(impact, int)
            and 1 <= likelihood <= self.likelihood_steps
            and 1 <= impact <= self.impact_steps
        )

    def level_of(self, likelihood: int, impact: int) -> int:
        """The level rank of a rating; ValueError when the rating lies outside the matrix."""
        if not self.accepts(likelihood, impact):
            raise ValueError(
                f"Likelihood must be 1 to {self.likelihood_steps} and impact 1 to {self.impact_steps}."
            )
        return self.grid[likelihood - 1][impact - 1]

    def level(self, rank: int) -> Level:
        return self.levels[rank - 1]

    def is_above_appetite(self, rank: int) -> bool:
        return rank > self.appetite
