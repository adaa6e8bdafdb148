"""Template filters of the risk catalogue pages: a threat category's readable name and a
matrix level as a coloured badge (`{{ matrix|level_badge_of:rank }}`)."""

from __future__ import annotations

from typing import Any

from django import template

from garrison.risks.forms_catalogue import category_label
from garrison.risks.heatmap import LevelBadge, level_badge

register = template.Library()


@register.filter
def threat_category(category: str) -> str:
    return category_label(category or "")


@register.filter
def level_badge_of(matrix: Any, rank: int | None) -> LevelBadge | None:
    return level_badge(matrix, rank)
