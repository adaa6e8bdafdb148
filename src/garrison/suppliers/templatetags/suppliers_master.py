"""Template tags of the supplier master for other apps' pages (the incident case page
lists the registered suppliers it affects, as far as the viewer may see them)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.suppliers.models import Supplier

register = template.Library()


@register.simple_tag(takes_context=True)
def visible_suppliers(context: template.Context, obj: Any) -> QuerySet[Supplier]:
    """`obj.suppliers` the requesting person may see, by reference."""
    request = context.get("request")
    person = getattr(request, "user", None)
    return restrict(obj.suppliers.all(), person, Action.VIEW).order_by("reference")
