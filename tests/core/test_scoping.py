from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Action, Domain, Role
from garrison.core.scoping import may_approve, restrict
from garrison.core.services import org

MISSING_ID = 987654


def test_an_administrator_of_one_tree_sees_nothing_of_a_second_tree(
    organisation: Any, make_person: Any
) -> None:
    other_root = org.create_unit(by=None, name="Subsidiary", code="subsidiary", kind="company")
    stranger = make_person("stranger", other_root)
    group_admin = make_person("groupadmin", organisation.root, Role.ADMINISTRATOR)

    visible_people = restrict(Person.objects.all(), group_admin)
    visible_units = restrict(OrgUnit.objects.all(), group_admin)

    assert stranger not in visible_people
    assert other_root not in visible_units
    assert group_admin in visible_people


def test_an_administrator_of_every_tree_sees_every_tree(organisation: Any, make_person: Any) -> None:
    other_root = org.create_unit(by=None, name="Subsidiary", code="subsidiary", kind="company")
    stranger = make_person("stranger", other_root)
    admin = make_person("everywhere", organisation.root, Role.ADMINISTRATOR, (Role.ADMINISTRATOR, other_root))

    assert stranger in restrict(Person.objects.all(), admin)


@pytest.mark.parametrize(
    ("endpoint", "parameter"),
    [
        ("/api/people/", "unit"),
        ("/api/people/", "manager"),
        ("/api/people/", "within"),
        ("/api/units/", "parent"),
        ("/api/role-assignments/", "person"),
        ("/api/audit-events/", "actor"),
    ],
)
def test_a_filter_on_an_object_out_of_reach_answers_like_a_filter_on_a_missing_one(
    api: Any, organisation: Any, owner: Person, outsider: Person, endpoint: str, parameter: str
) -> None:
    out_of_reach = outsider.unit.pk if parameter in {"unit", "within", "parent"} else outsider.pk
    client = api.as_(owner)

    hidden = client.get(endpoint, {parameter: out_of_reach})
    missing = client.get(endpoint, {parameter: MISSING_ID})

    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    assert set(hidden.json()) == {parameter}


def _default_matrix() -> Any:
    from garrison.risks.models import RiskMatrix

    return RiskMatrix.objects.create(
        urn="urn:test:matrix",
        name="Matrix",
        likelihood=[{"name": "Low"}, {"name": "High"}],
        impact=[{"name": "Low"}, {"name": "High"}],
        levels=[{"key": "low"}, {"key": "high"}],
        grid=[[1, 1], [1, 2]],
        appetite=1,
    )


def test_shared_library_data_is_read_by_anyone_who_may_view_the_domain_somewhere(
    organisation: Any, make_person: Any, colleague: Person
) -> None:
    from garrison.risks.models import RiskMatrix

    matrix = _default_matrix()
    risk_owner = make_person("riskowner", organisation.beijing_ops, Role.RISK_OWNER)

    assert list(restrict(RiskMatrix.objects.all(), risk_owner)) == [matrix]
    assert list(restrict(RiskMatrix.objects.all(), colleague)) == []


def test_changing_shared_library_data_needs_the_grant_over_every_tree(
    organisation: Any, make_person: Any, owner: Person
) -> None:
    from garrison.risks.models import RiskMatrix

    matrix = _default_matrix()
    group_officer = make_person("groupofficer", organisation.root, Role.SECURITY_OFFICER)

    assert list(restrict(RiskMatrix.objects.all(), owner, Action.CHANGE)) == []
    assert list(restrict(RiskMatrix.objects.all(), owner, Action.VIEW)) == [matrix]
    assert list(restrict(RiskMatrix.objects.all(), group_officer, Action.CHANGE)) == [matrix]


def test_approval_authority_follows_the_approver_roles_and_their_subtree(
    organisation: Any, make_person: Any, owner: Person, outsider: Person
) -> None:
    risk_owner = make_person("riskowner", organisation.beijing, Role.RISK_OWNER)
    officer = make_person("officer", organisation.beijing_ops, Role.SECURITY_OFFICER)

    assert may_approve(owner, Domain.RISKS, organisation.beijing_ops.path)
    assert not may_approve(outsider, Domain.RISKS, organisation.beijing_ops.path)
    assert not may_approve(risk_owner, Domain.RISKS, organisation.beijing_ops.path)
    assert may_approve(officer, Domain.RISKS, organisation.beijing_ops.path)
    assert not may_approve(officer, Domain.RISKS, organisation.beijing.path)
    assert not may_approve(officer, Domain.SUPPLIERS, organisation.beijing_ops.path)


def test_a_raci_line_on_a_domain_object_is_seen_by_those_who_see_that_domain_there(
    organisation: Any, make_person: Any, owner: Person, colleague: Person
) -> None:
    from garrison.assets.models import Asset
    from garrison.core.models import Responsibility

    officer = make_person("officer", organisation.beijing, Role.SECURITY_OFFICER)
    asset = Asset.objects.create(
        reference="AST-1",
        name="Core switch",
        asset_type="network_device",
        owner=officer,
        unit=organisation.beijing,
    )

    line = org.assign_responsibility(asset, "R", by=owner, person=owner, note="Quarterly firmware review")

    assert line.domain == Domain.ASSETS
    assert list(restrict(Responsibility.objects.all(), officer)) == [line]
    assert list(restrict(Responsibility.objects.all(), colleague)) == []
    assert list(restrict(Responsibility.objects.all(), owner)) == [line]
