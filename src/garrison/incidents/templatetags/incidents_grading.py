"""Template tags of the grading card: the basis of a case's proposed grade, labelled."""

from __future__ import annotations

from typing import Any

from django import template

from garrison.incidents.models import Incident
from garrison.incidents.services.grading import basis_lines

register = template.Library()


@register.simple_tag
def grading_basis(incident: Incident) -> list[dict[str, Any]]:
    """`{% grading_basis incident as basis %}`: the thresholds met, with readable labels."""
    return basis_lines(incident)
