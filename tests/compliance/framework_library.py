"""A small framework library built with the ORM for the page and API tests, independent
of the library loaders: two frameworks, a three-level tree, a reference control and a
mapping set between them."""

from __future__ import annotations

from dataclasses import dataclass

from garrison.compliance.models import (
    Framework,
    FrameworkOrigin,
    MappingSet,
    ReferenceControl,
    RequirementMapping,
    RequirementNode,
)


@dataclass
class Library:
    iso: Framework
    mlps: Framework
    organisational: RequirementNode  # a theme: top level, not assessable
    policies: RequirementNode  # a control group inside it, not assessable
    policy_document: RequirementNode  # assessable, third level
    policy_review: RequirementNode  # assessable, third level
    people: RequirementNode  # a second theme
    screening: RequirementNode  # assessable, second level
    security_policy: RequirementNode  # MLPS, assessable
    management_system: RequirementNode  # MLPS, assessable
    control: ReferenceControl
    mapping_set: MappingSet
    equal: RequirementMapping
    subset: RequirementMapping


def node(
    framework: Framework,
    key: str,
    name: str,
    parent: RequirementNode | None = None,
    *,
    name_zh: str = "",
    is_assessable: bool = True,
    order: int = 0,
) -> RequirementNode:
    return RequirementNode.objects.create(
        framework=framework,
        urn=f"{framework.urn}:{key.lower()}",
        parent=parent,
        reference=key,
        name=name,
        name_zh=name_zh,
        description=f"Our summary of {key}.",
        is_assessable=is_assessable,
        order=order,
        depth=0 if parent is None else parent.depth + 1,
        path=f"{parent.path}{parent.pk}/" if parent is not None else "",
    )


def build_library() -> Library:
    iso = Framework.objects.create(
        urn="urn:test:framework:iso27001",
        reference="ISO 27001",
        name="Information security management",
        name_zh="信息安全管理",
        provider="ISO",
        library_urn="urn:test:library:frameworks",
    )
    mlps = Framework.objects.create(
        urn="urn:test:framework:mlps3",
        reference="MLPS 3",
        name="Multi-level protection, class III",
        name_zh="等级保护第三级",
        provider="TC260",
        origin=FrameworkOrigin.LIBRARY,
        library_urn="urn:test:library:frameworks",
    )
    organisational = node(
        iso, "A.5", "Organisational controls", name_zh="组织控制", is_assessable=False, order=1
    )
    policies = node(iso, "A.5-1", "Policy group", organisational, is_assessable=False, order=2)
    policy_document = node(
        iso, "A.5.1", "Information security policies", policies, name_zh="信息安全策略", order=3
    )
    policy_review = node(iso, "A.5.2", "Review of the policies", policies, order=4)
    people = node(iso, "A.6", "People controls", is_assessable=False, order=5)
    screening = node(iso, "A.6.1", "Screening of candidates", people, order=6)
    security_policy = node(mlps, "8.1.6.1", "Security policy", name_zh="安全策略", order=1)
    management_system = node(mlps, "8.1.6.2", "Management system", order=2)
    control = ReferenceControl.objects.create(
        urn="urn:test:control:policy-management",
        reference="RC-POL",
        name="Policy management",
        name_zh="策略管理",
        category="policy",
        function="govern",
        library_urn="urn:test:library:frameworks",
    )
    policy_document.reference_controls.add(control)
    mapping_set = MappingSet.objects.create(
        urn="urn:test:mapping:iso-mlps",
        name="ISO 27001 to MLPS 3",
        name_zh="ISO 27001 对等级保护三级",
        source_framework=iso,
        target_framework=mlps,
        library_urn="urn:test:library:frameworks",
    )
    equal = RequirementMapping.objects.create(
        mapping_set=mapping_set,
        source=policy_document,
        target=security_policy,
        relation="equal",
        strength=3,
        rationale="Both ask for a written policy.",
    )
    subset = RequirementMapping.objects.create(
        mapping_set=mapping_set, source=policy_review, target=management_system, relation="subset"
    )
    return Library(
        iso=iso,
        mlps=mlps,
        organisational=organisational,
        policies=policies,
        policy_document=policy_document,
        policy_review=policy_review,
        people=people,
        screening=screening,
        security_policy=security_policy,
        management_system=management_system,
        control=control,
        mapping_set=mapping_set,
        equal=equal,
        subset=subset,
    )


def add_frameworks(count: int, requirements_each: int) -> None:
    """More frameworks, each with a two-level tree, for the query-count tests."""
    for number in range(count):
        framework = Framework.objects.create(
            urn=f"urn:test:framework:bulk-{number}", reference=f"BULK-{number:03d}", name=f"Bulk {number}"
        )
        heading = node(framework, f"B{number}", "Heading", is_assessable=False, order=0)
        for index in range(requirements_each):
            created = node(framework, f"B{number}.{index}", f"Item {index}", heading, order=index + 1)
            if index % 2 == 0:
                node(framework, f"B{number}.{index}.a", f"Detail {index}", created, order=index + 1)
