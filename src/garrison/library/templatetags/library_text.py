"""Template filters for library data: `{{ threat|localised }}`, `{{ step|localised:"description" }}`,
`{{ "risk_matrices"|kind_label }}`."""

from __future__ import annotations

from typing import Any

from django import template

from garrison.library import registry
from garrison.library.text import localised as localised_text

register = template.Library()


@register.filter
def localised(obj: Any, field: str = "name") -> str:
    return localised_text(obj, field)


@register.filter
def kind_label(kind: str) -> str:
    """The readable, translated name of a library object kind (its key when unknown)."""
    loader = registry.kind_loader(kind)
    return str(loader.label) if loader is not None else kind
