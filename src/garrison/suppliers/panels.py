"""Sections of the supplier page contributed by each part of the app.

The supplier page (views/suppliers.py) renders, in order, every registered panel: a
template and a function giving its context from the request and the supplier. Each part
registers its panel in its views module, so the page shows access, assessments, status,
screening and sourcing without the page knowing their models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest, Any], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: PanelContext


_PANELS: dict[str, Panel] = {}


def register_panel(name: str, *, order: int, template: str, context: PanelContext) -> None:
    _PANELS[name] = Panel(order=order, template=template, context=context)


def panels_for(request: HttpRequest, supplier: Any) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every panel, in order."""
    return [
        (panel.template, panel.context(request, supplier))
        for panel in sorted(_PANELS.values(), key=lambda panel: panel.order)
    ]
