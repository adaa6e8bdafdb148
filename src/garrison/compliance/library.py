"""The library kinds the compliance app stores: `reference_controls`, `frameworks`, `mappings`.

Registered with the library loader from ComplianceConfig.ready(). Each `apply` writes
one library's objects of its kind by URN, like garrison.risks.library: new objects are
created, those of the same library updated, and objects the new version no longer holds
are reported as removed and kept, because assessments and applied controls use them. A
URN that belongs to another library, or to an object added in Garrison, is never taken
over: the load is refused, and so is a requirement tree naming reference controls or a
mapping set naming requirements that do not exist (every such URN is listed).

A framework's outcome lists the framework and its requirement nodes by URN. Frameworks
hold hundreds of nodes, so the nodes are written in bulk: one `bulk_create` per tree
level (a child needs its parent's id) and one `bulk_update` for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from garrison.compliance.library_format import (
    FrameworkDefinition,
    MappingSetDefinition,
    ReferenceControlDefinition,
    RequirementDefinition,
    parse_framework,
    parse_mapping_set,
    parse_reference_control,
)
from garrison.compliance.models import (
    Framework,
    MappingSet,
    ReferenceControl,
    RequirementMapping,
    RequirementNode,
)
from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Domain
from garrison.library.registry import ApplyContext, KindLoader, KindOutcome, register_kind
from garrison.library.upsert import record_event, removed_urns, upsert_by_urn

REFERENCE_CONTROLS = "reference_controls"
FRAMEWORKS = "frameworks"
MAPPINGS = "mappings"

NODE_FIELDS = (
    "parent",
    "reference",
    "name",
    "name_zh",
    "description",
    "description_zh",
    "is_assessable",
    "order",
    "depth",
    "path",
)
RELATION_FIELDS = ("relation", "strength", "rationale")


# Reference controls ---------------------------------------------------------------------------


def apply_reference_controls(
    definitions: Sequence[ReferenceControlDefinition], context: ApplyContext
) -> KindOutcome:
    """Write a library's reference controls; every field of a loaded one belongs to its library."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {control.urn: control for control in ReferenceControl.objects.filter(urn__in=urns)}
    for definition in definitions:
        fields = {
            "reference": definition.ref_id,
            "name": definition.name,
            "name_zh": definition.name_zh,
            "description": definition.description,
            "description_zh": definition.description_zh,
            "category": definition.category,
            "function": definition.function,
        }
        upsert_by_urn(
            ReferenceControl, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
    outcome.removed = removed_urns(ReferenceControl, context, urns)
    return outcome


# Frameworks -----------------------------------------------------------------------------------


def apply_frameworks(definitions: Sequence[FrameworkDefinition], context: ApplyContext) -> KindOutcome:
    """Write a library's frameworks and their requirement trees."""
    outcome = KindOutcome()
    urns = [definition.urn for definition in definitions]
    existing = {framework.urn: framework for framework in Framework.objects.filter(urn__in=urns)}
    control_ids = _reference_control_ids(definitions, outcome)
    for definition in definitions:
        fields = {
            "reference": definition.ref_id,
            "name": definition.name,
            "name_zh": definition.name_zh,
            "description": definition.description,
            "description_zh": definition.description_zh,
            "provider": definition.provider,
            "origin": definition.origin,
        }
        framework = upsert_by_urn(
            Framework, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
        if framework is not None and not outcome.errors:
            _apply_requirements(framework, definition.requirements, control_ids, context, outcome)  # type: ignore[arg-type]
    outcome.removed = [*removed_urns(Framework, context, urns), *outcome.removed]
    return outcome


def _reference_control_ids(
    definitions: Sequence[FrameworkDefinition], outcome: KindOutcome
) -> dict[str, int]:
    wanted = sorted(
        {
            urn
            for definition in definitions
            for node in definition.requirements
            for urn in node.reference_controls
        }
    )
    found = dict(ReferenceControl.objects.filter(urn__in=wanted).values_list("urn", "pk"))
    for definition in definitions:
        unknown = sorted(
            {urn for node in definition.requirements for urn in node.reference_controls if urn not in found}
        )
        if unknown:
            outcome.errors.append(
                f"{definition.urn}, reference_controls: unknown reference controls: {', '.join(unknown)}"
            )
    return found


def _apply_requirements(
    framework: Framework,
    definitions: Sequence[RequirementDefinition],
    control_ids: dict[str, int],
    context: ApplyContext,
    outcome: KindOutcome,
) -> None:
    urns = [definition.urn for definition in definitions]
    taken = list(
        RequirementNode.objects.filter(urn__in=urns)
        .exclude(framework=framework)
        .values_list("urn", "framework__urn")
        .order_by("urn")
    )
    for urn, owner in taken:
        outcome.errors.append(f"{urn}, urn: already used by a requirement of framework {owner}")
    if taken:
        return
    existing = {node.urn: node for node in RequirementNode.objects.filter(framework=framework)}
    before = {urn: audit.snapshot(node) for urn, node in existing.items()}
    links_before = _links(existing.values())
    by_urn: dict[str, RequirementNode] = {}
    new_by_depth: dict[int, list[RequirementNode]] = {}
    for order, definition in enumerate(definitions, start=1):
        node = existing.get(definition.urn) or RequirementNode(framework=framework, urn=definition.urn)
        node.parent = by_urn[definition.parent_urn] if definition.parent_urn else None
        node.reference = definition.ref_id
        node.name = definition.name
        node.name_zh = definition.name_zh
        node.description = definition.description
        node.description_zh = definition.description_zh
        node.is_assessable = definition.is_assessable
        node.order = order
        node.depth = definition.depth
        by_urn[definition.urn] = node
        if node.pk is None:
            new_by_depth.setdefault(definition.depth, []).append(node)
    for depth in sorted(new_by_depth):
        # Parents are one level up and already saved: their ids are known here.
        for node in new_by_depth[depth]:
            node.parent_id = node.parent.pk if node.parent is not None else None
        RequirementNode.objects.bulk_create(new_by_depth[depth])
    for definition in definitions:
        node = by_urn[definition.urn]
        parent = by_urn[definition.parent_urn] if definition.parent_urn else None
        node.parent_id = parent.pk if parent is not None else None
        node.path = f"{parent.path if parent is not None else '/'}{node.pk}/"
    links_after = _set_links(by_urn, definitions, control_ids, links_before)
    changed: list[RequirementNode] = []
    for definition in definitions:
        node = by_urn[definition.urn]
        after = audit.snapshot(node)
        links = (links_before.get(node.pk, []), links_after.get(node.pk, []))
        if definition.urn not in existing:
            changes = audit.diff({}, after)
            if links[1]:
                changes["reference_controls"] = [[], links[1]]
            record_event(node, AuditAction.CREATE, changes, context)
            outcome.added.append(definition.urn)
            changed.append(node)  # its path is known only now
            continue
        changes = audit.diff(before[definition.urn], after)
        if links[0] != links[1]:
            changes["reference_controls"] = list(links)
        if changes:
            record_event(node, AuditAction.UPDATE, changes, context)
            outcome.changed[definition.urn] = sorted(changes)
            changed.append(node)
        else:
            outcome.unchanged.append(definition.urn)
    RequirementNode.objects.bulk_update(changed, NODE_FIELDS, batch_size=500)
    outcome.removed.extend(sorted(set(existing) - set(by_urn)))


def _links(nodes: Iterable[RequirementNode]) -> dict[int, list[str]]:
    """Each node's reference controls, by URN, sorted."""
    through = RequirementNode.reference_controls.through
    links: dict[int, list[str]] = {}
    rows = through.objects.filter(requirementnode__in=[node.pk for node in nodes]).values_list(
        "requirementnode_id", "referencecontrol__urn"
    )
    for node_id, urn in rows:
        links.setdefault(node_id, []).append(urn)
    return {node_id: sorted(urns) for node_id, urns in links.items()}


def _set_links(
    by_urn: dict[str, RequirementNode],
    definitions: Sequence[RequirementDefinition],
    control_ids: dict[str, int],
    links_before: dict[int, list[str]],
) -> dict[int, list[str]]:
    through = RequirementNode.reference_controls.through
    wanted = {
        (by_urn[definition.urn].pk, control_ids[urn])
        for definition in definitions
        for urn in definition.reference_controls
    }
    node_ids = [node.pk for node in by_urn.values()]
    present = set(
        through.objects.filter(requirementnode__in=node_ids).values_list(
            "requirementnode_id", "referencecontrol_id"
        )
    )
    for node_id, control_id in present - wanted:
        through.objects.filter(requirementnode_id=node_id, referencecontrol_id=control_id).delete()
    through.objects.bulk_create(
        [
            through(requirementnode_id=node_id, referencecontrol_id=control_id)
            for node_id, control_id in wanted - present
        ]
    )
    links: dict[int, list[str]] = {}
    for definition in definitions:
        if definition.reference_controls:
            links[by_urn[definition.urn].pk] = sorted(definition.reference_controls)
    return links


# Mapping sets ---------------------------------------------------------------------------------


def apply_mapping_sets(definitions: Sequence[MappingSetDefinition], context: ApplyContext) -> KindOutcome:
    """Write a library's mapping sets. Every framework and requirement they name must exist
    (loaded earlier, or by this library): otherwise the load is refused listing each one."""
    outcome = KindOutcome()
    framework_urns = {
        urn
        for definition in definitions
        for urn in (definition.source_framework_urn, definition.target_framework_urn)
    }
    frameworks = {framework.urn: framework for framework in Framework.objects.filter(urn__in=framework_urns)}
    requirement_urns = {
        urn
        for definition in definitions
        for relation in definition.relations
        for urn in (relation.source_urn, relation.target_urn)
    }
    nodes: dict[str, int] = {}
    node_frameworks: dict[str, str] = {}
    rows = RequirementNode.objects.filter(urn__in=requirement_urns).values_list("urn", "pk", "framework__urn")
    for urn, pk, framework_urn in rows:
        nodes[urn] = pk
        node_frameworks[urn] = framework_urn
    for definition in definitions:
        errors = _unresolved(definition, frameworks, node_frameworks)
        outcome.errors.extend(errors)
    if outcome.errors:
        return outcome
    urns = [definition.urn for definition in definitions]
    existing = {mapping.urn: mapping for mapping in MappingSet.objects.filter(urn__in=urns)}
    for definition in definitions:
        fields = {
            "name": definition.name,
            "name_zh": definition.name_zh,
            "description": definition.description,
            "source_framework": frameworks[definition.source_framework_urn],
            "target_framework": frameworks[definition.target_framework_urn],
        }
        mapping_set = upsert_by_urn(
            MappingSet, definition.urn, fields, existing.get(definition.urn), context, outcome
        )
        if mapping_set is None:
            continue
        changed = _apply_relations(mapping_set, definition, nodes, context)  # type: ignore[arg-type]
        if changed and definition.urn in outcome.unchanged:
            outcome.unchanged.remove(definition.urn)
            outcome.changed[definition.urn] = ["relations"]
        elif changed and definition.urn in outcome.changed:
            outcome.changed[definition.urn] = sorted({*outcome.changed[definition.urn], "relations"})
    outcome.removed = removed_urns(MappingSet, context, urns)
    return outcome


def _unresolved(
    definition: MappingSetDefinition, frameworks: dict[str, Framework], node_frameworks: dict[str, str]
) -> list[str]:
    errors = []
    for name in ("source_framework_urn", "target_framework_urn"):
        urn = getattr(definition, name)
        if urn not in frameworks:
            errors.append(f"{definition.urn}, {name}: unknown framework {urn}")
    unknown: dict[str, None] = {}
    for relation in definition.relations:
        for urn, framework_urn in (
            (relation.source_urn, definition.source_framework_urn),
            (relation.target_urn, definition.target_framework_urn),
        ):
            if node_frameworks.get(urn) != framework_urn:
                unknown[urn] = None
    if unknown:
        errors.append(
            f"{definition.urn}, relations: {len(unknown)} unresolved requirement URNs "
            f"(not in the framework the mapping names): {', '.join(unknown)}"
        )
    return errors


def _apply_relations(
    mapping_set: MappingSet, definition: MappingSetDefinition, nodes: dict[str, int], context: ApplyContext
) -> bool:
    """Make the set's relations exactly the library's; relations are part of their set, so
    one the library dropped is deleted (with its audit event). Whether anything changed."""
    existing = {
        (relation.source_id, relation.target_id): relation
        for relation in RequirementMapping.objects.filter(mapping_set=mapping_set)
    }
    wanted: dict[tuple[int, int], Any] = {
        (nodes[relation.source_urn], nodes[relation.target_urn]): relation
        for relation in definition.relations
    }
    created, updated = [], []
    for key, relation in wanted.items():
        values = {
            "relation": relation.relation,
            "strength": relation.strength,
            "rationale": relation.rationale,
        }
        current = existing.get(key)
        if current is None:
            created.append(
                RequirementMapping(mapping_set=mapping_set, source_id=key[0], target_id=key[1], **values)
            )
            continue
        before = audit.snapshot(current)
        for name, value in values.items():
            setattr(current, name, value)
        changes = audit.diff(before, audit.snapshot(current))
        if changes:
            updated.append(current)
            record_event(current, AuditAction.UPDATE, changes, context)
    RequirementMapping.objects.bulk_create(created)
    for relation in created:
        record_event(relation, AuditAction.CREATE, audit.diff({}, audit.snapshot(relation)), context)
    RequirementMapping.objects.bulk_update(updated, RELATION_FIELDS)
    dropped = [relation for key, relation in existing.items() if key not in wanted]
    for relation in dropped:
        record_event(relation, AuditAction.DELETE, audit.diff(audit.snapshot(relation), {}), context)
    RequirementMapping.objects.filter(pk__in=[relation.pk for relation in dropped]).delete()
    return bool(created or updated or dropped)


register_kind(
    REFERENCE_CONTROLS,
    KindLoader(
        domain=Domain.COMPLIANCE,
        label=_("reference controls"),
        parse=parse_reference_control,
        apply=apply_reference_controls,
        order=250,
    ),
)
register_kind(
    FRAMEWORKS,
    KindLoader(
        domain=Domain.COMPLIANCE,
        label=_("frameworks"),
        parse=parse_framework,
        apply=apply_frameworks,
        order=300,
    ),
)
register_kind(
    MAPPINGS,
    KindLoader(
        domain=Domain.COMPLIANCE,
        label=_("mapping sets"),
        parse=parse_mapping_set,
        apply=apply_mapping_sets,
        order=400,
    ),
)
