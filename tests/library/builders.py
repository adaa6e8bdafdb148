"""Library documents for tests: small, valid by default, changed per test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from garrison.library.shipped import SHIPPED_DIRECTORY

LIBRARY_URN = "urn:test:library:risk-basics"
MATRIX_URN = "urn:test:risk-matrix:three"
SHIPPED_DEFAULTS = SHIPPED_DIRECTORY / "risk-defaults.yaml"


def matrix(**changes: Any) -> dict[str, Any]:
    """A three-by-three matrix with three levels."""
    data: dict[str, Any] = {
        "urn": MATRIX_URN,
        "name": "Three by three",
        "name_zh": "三乘三",
        "likelihood": [{"name": "Low", "name_zh": "低"}, {"name": "Medium"}, {"name": "High"}],
        "impact": ["Small", "Serious", "Grave"],
        "levels": [
            {"key": "green", "name": "Green", "name_zh": "绿", "colour": "#2e7d32"},
            {"key": "amber", "name": "Amber", "name_zh": "黄", "colour": "#f9a825"},
            {"key": "red", "name": "Red", "name_zh": "红", "colour": "#c62828"},
        ],
        "grid": [["green", "green", "amber"], ["green", "amber", "red"], ["amber", "red", "red"]],
        "appetite": "amber",
    }
    data.update(changes)
    return data


def threat(number: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urn": f"urn:test:threat:t{number}",
        "ref_id": f"TT-{number:02d}",
        "name": f"Threat {number}",
        "name_zh": f"威胁{number}",
        "category": "technical",
        "description": f"What threat {number} does.",
        "description_zh": f"威胁{number}的描述。",
    }
    data.update(changes)
    return data


def library(version: int = 1, *, matrices: Any = None, threats: Any = None, **header: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "urn": LIBRARY_URN,
        "version": version,
        "name": "Risk basics",
        "name_zh": "风险基础",
        "publisher": "Tests",
        "objects": {
            "risk_matrices": [matrix()] if matrices is None else matrices,
            "threats": [threat(1), threat(2), threat(3)] if threats is None else threats,
        },
    }
    data.update(header)
    return data


def dump(document: Any) -> bytes:
    return yaml.safe_dump(copy.deepcopy(document), allow_unicode=True, sort_keys=False).encode("utf-8")


def write(folder: Path, document: Any, name: str = "library.yaml") -> Path:
    path = folder / name
    path.write_bytes(dump(document))
    return path
