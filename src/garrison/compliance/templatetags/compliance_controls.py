"""`{% linked_controls object %}`: the "Controls" section of the pages of the objects an
applied control links to (a risk scenario, an asset, a requirement).

The link is owned by compliance (ADR 0009), so the risks and assets apps show it without
importing compliance: their templates load this tag. Only the controls the person may see
are listed.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from garrison.core.roles import Action
from garrison.core.scoping import has_grant, restrict

register = template.Library()

CONTROLS_SHOWN = 50


@register.inclusion_tag("compliance/control_links.html", takes_context=True)
def linked_controls(context: template.Context, obj: models.Model) -> dict[str, Any]:
    from garrison.compliance.models import AppliedControl

    request = context.get("request")
    person = getattr(request, "user", None)
    # A requirement names its controls `applied_controls`; an asset and a scenario, `controls`.
    manager = getattr(obj, "applied_controls", None) or getattr(obj, "controls", None)
    if manager is None or not has_grant(person, AppliedControl.scope.domain, Action.VIEW):
        return {"shown": False}
    controls = restrict(manager.select_related("owner"), person, Action.VIEW).order_by("reference")
    return {
        "shown": True,
        "controls": list(controls[:CONTROLS_SHOWN]),
        "control_count": controls.count(),
    }
