"""`{% review_card incident as card %}`: what the _review partial of the case page shows
to the requesting person (the linked risks and controls they may see, what they may do)."""

from __future__ import annotations

from typing import Any

from django import template

from garrison.incidents.models import Incident

register = template.Library()


@register.simple_tag(takes_context=True)
def review_card(context: template.Context, incident: Incident) -> dict[str, Any]:
    from garrison.incidents.views.reviews import review_card as build

    request = context.get("request")
    return build(incident, getattr(request, "user", None))
