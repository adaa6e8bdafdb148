"""Badges for an asset's levels, coloured by level so a list reads at a glance."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from garrison.assets.models import ClassificationLevel, Criticality

register = template.Library()


def _badge(value: Any, choices: type[ClassificationLevel] | type[Criticality]) -> str:
    try:
        level = choices(int(value))
    except (TypeError, ValueError):
        return "—"
    return format_html('<span class="badge asset-level asset-level-{}">{}</span>', level.value, level.label)


@register.filter
def criticality_badge(value: Any) -> str:
    """A criticality (1 low … 4 critical) as a coloured badge."""
    return _badge(value, Criticality)


@register.filter
def classification_badge(value: Any) -> str:
    """A classification level (1 public … 4 secret) as a coloured badge."""
    return _badge(value, ClassificationLevel)
