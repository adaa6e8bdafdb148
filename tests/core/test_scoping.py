from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import OrgUnit, Person
from garrison.core.roles import Role
from garrison.core.scoping import restrict
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
