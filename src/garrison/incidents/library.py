"""The library kinds the incidents app stores: `incident_categories` and `grading_thresholds`.

Registered with the library loader from IncidentsConfig.ready(). Each `apply` writes one
library's objects of its kind by URN, like garrison.compliance.library: new objects are
created, those of the same library updated, and objects the new version no longer holds
are reported as removed and kept (cases use the categories; a threshold stays in force
until an Administrator retires it). A URN or a category code that belongs to another
library, or to an object added in Garrison, is never taken over: the load is refused,
listing each one.

Sub-categories are written with their category, `parent` set to it. Thresholds belong
to their library like any library object: a newer version of the library overwrites the
values it ships, and open cases whose grade is not confirmed are graded again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.incidents.library_format import (
    CategoryDefinition,
    SubcategoryDefinition,
    ThresholdDefinition,
    parse_grading_threshold,
    parse_incident_category,
)
from garrison.incidents.models import GradingThreshold, IncidentCategory
from garrison.library.registry import ApplyContext, KindLoader, KindOutcome, register_kind
from garrison.library.upsert import owner_of, removed_urns, upsert_by_urn

INCIDENT_CATEGORIES = "incident_categories"
GRADING_THRESHOLDS = "grading_thresholds"


# Categories -----------------------------------------------------------------------------------


def _flatten(
    definitions: Sequence[CategoryDefinition],
) -> list[tuple[CategoryDefinition | SubcategoryDefinition, CategoryDefinition | None, int]]:
    """Every category and sub-category with its parent definition and its order."""
    items: list[tuple[CategoryDefinition | SubcategoryDefinition, CategoryDefinition | None, int]] = []
    for order, category in enumerate(definitions, start=1):
        items.append((category, None, order))
        for sub_order, subcategory in enumerate(category.subcategories, start=1):
            items.append((subcategory, category, sub_order))
    return items


def _category_conflicts(items: Sequence[tuple[Any, Any, int]], context: ApplyContext) -> list[str]:
    """URNs and codes used twice in the library, and codes held by another owner's category."""
    errors: list[str] = []
    seen_urns: set[str] = set()
    seen_codes: set[str] = set()
    for definition, _parent, _order in items:
        if definition.urn in seen_urns:
            errors.append(f"{definition.urn}, urn: used twice in this library")
        if definition.code in seen_codes:
            errors.append(f"{definition.urn}, code: {definition.code} is used twice in this library")
        seen_urns.add(definition.urn)
        seen_codes.add(definition.code)
    taken = IncidentCategory.objects.filter(code__in=seen_codes).values_list("code", "urn", "library_urn")
    urn_of_code = {definition.code: definition.urn for definition, _parent, _order in items}
    for code, urn, library_urn in taken:
        if urn != urn_of_code[code]:
            errors.append(
                f"{urn_of_code[code]}, code: {code} is already used by {urn} of {owner_of(library_urn)}"
            )
    return errors


def apply_incident_categories(
    definitions: Sequence[CategoryDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's categories and their sub-categories."""
    outcome = KindOutcome()
    items = _flatten(definitions)
    outcome.errors.extend(_category_conflicts(items, context))
    if outcome.errors:
        return outcome
    urns = [definition.urn for definition, _parent, _order in items]
    existing = {category.urn: category for category in IncidentCategory.objects.filter(urn__in=urns)}
    saved: dict[str, IncidentCategory] = {}
    for definition, parent, order in items:
        fields = {
            "parent": saved.get(parent.urn) if parent is not None else None,
            "code": definition.code,
            "name": definition.name,
            "name_zh": definition.name_zh,
            "description": definition.description,
            "description_zh": definition.description_zh,
            "order": order,
        }
        if parent is not None and fields["parent"] is None:
            continue  # its category was refused; the error is already listed
        obj = upsert_by_urn(
            IncidentCategory, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
        if obj is not None:
            saved[definition.urn] = obj  # type: ignore[assignment]
    outcome.removed = removed_urns(IncidentCategory, context, urns)
    return outcome


# Grading thresholds ---------------------------------------------------------------------------


def apply_grading_thresholds(
    definitions: Sequence[ThresholdDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's grading thresholds; open cases are graded again when one changed."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {item.urn: item for item in GradingThreshold.objects.filter(urn__in=urns)}
    for definition in definitions:
        fields = {
            "metric": definition.metric,
            "threshold": definition.threshold,
            "grade": definition.grade,
            "source": definition.source,
            "effective_from": definition.effective_from,
            "effective_until": definition.effective_until,
            "notes": definition.notes,
        }
        upsert_by_urn(
            GradingThreshold, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
    outcome.removed = removed_urns(GradingThreshold, context, urns)
    if not outcome.errors and (outcome.added or outcome.changed):
        from garrison.incidents.services.grading import repropose_open_cases

        repropose_open_cases(by=context.by)
    return outcome


register_kind(
    INCIDENT_CATEGORIES,
    KindLoader(
        domain=Domain.INCIDENTS,
        label=_("incident categories"),
        parse=parse_incident_category,
        apply=apply_incident_categories,
        order=600,
    ),
)
register_kind(
    GRADING_THRESHOLDS,
    KindLoader(
        domain=Domain.ORGANISATION,
        label=_("grading thresholds"),
        parse=parse_grading_threshold,
        apply=apply_grading_thresholds,
        order=610,
    ),
)
