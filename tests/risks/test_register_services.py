"""The scenario services: ratings checked against the matrix, levels derived and stored,
references generated, reach checked field by field, appetite and overdue helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Person
from garrison.core.roles import Role
from garrison.risks.models import (
    ActionStatus,
    RiskMatrix,
    RiskScenario,
    Threat,
    Treatment,
    TreatmentAction,
    above_appetite,
    overdue,
)
from garrison.risks.services.scenarios import delete_scenario, update_scenario
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db


def make_asset(reference: str, unit: Any, owner: Person) -> Asset:
    return Asset.objects.create(
        reference=reference, name=reference, asset_type="server", owner=owner, unit=unit
    )


def make_threat(reference: str) -> Threat:
    return Threat.objects.create(urn=f"urn:test:threat:{reference}", reference=reference, name=reference)


def test_it_derives_and_stores_every_level_from_the_matrix(make_scenario: Any) -> None:
    scenario = make_scenario(inherent=(5, 5), current=(4, 2), target=(1, 1))

    stored = RiskScenario.objects.get(pk=scenario.pk)
    assert (stored.inherent_level, stored.current_level, stored.target_level) == (4, 2, 1)
    assert (stored.inherent_level_name, stored.current_level_name, stored.target_level_name) == (
        "Critical",
        "Medium",
        "Low",
    )


def test_it_numbers_a_scenario_without_a_reference_and_keeps_a_given_one(make_scenario: Any) -> None:
    numbered = make_scenario()
    named = make_scenario("Cooling failure", reference="DC-COOL-1")

    assert numbered.reference == f"R-{numbered.pk:06d}"
    assert named.reference == "DC-COOL-1"


def test_a_typed_reference_that_takes_the_next_number_does_not_block_numbering(make_scenario: Any) -> None:
    first = make_scenario()
    make_scenario("Typed", reference=f"R-{first.pk + 2:06d}")

    third = make_scenario("Numbered")

    assert third.reference == f"R-{third.pk:06d}-2"


def test_it_refuses_ratings_outside_the_matrix_naming_each_field_and_writes_nothing(
    make_scenario: Any, matrix: RiskMatrix
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_scenario(inherent=(6, 3), current=(3, 0))

    assert caught.value.message_dict == {
        "inherent_likelihood": ["Must be between 1 and 5 on the matrix “Default 5x5”."],
        "current_impact": ["Must be between 1 and 5 on the matrix “Default 5x5”."],
    }
    assert RiskScenario.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="risks.riskscenario").exists()


def test_it_asks_for_both_halves_of_the_target_rating(make_scenario: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        make_scenario(target_likelihood=2)

    assert caught.value.message_dict == {"target_impact": ["Give both the likelihood and the impact."]}


def test_a_re_rating_is_checked_against_the_scenario_matrix_and_changes_nothing_when_refused(
    make_scenario: Any,
) -> None:
    scenario = make_scenario(current=(3, 3))

    with pytest.raises(ValidationError) as caught:
        update_scenario(scenario, by=None, current_likelihood=9)

    assert list(caught.value.message_dict) == ["current_likelihood"]
    stored = RiskScenario.objects.get(pk=scenario.pk)
    assert (stored.current_likelihood, stored.current_level) == (3, 2)


def test_a_re_rating_derives_the_level_again_and_records_the_change(
    make_scenario: Any, owner: Person
) -> None:
    scenario = make_scenario(current=(3, 3))

    update_scenario(scenario, by=owner, reason="New UPS installed", current_likelihood=1, current_impact=2)

    stored = RiskScenario.objects.get(pk=scenario.pk)
    assert (stored.current_level, stored.current_level_name) == (1, "Low")
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", action="update").get()
    assert event.changes == {
        "current_impact": [3, 2],
        "current_level": [2, 1],
        "current_likelihood": [3, 1],
    }
    assert (event.reason, event.actor_id) == ("New UPS installed", owner.pk)


def test_a_treatment_decision_is_audited(make_scenario: Any, owner: Person) -> None:
    scenario = make_scenario()

    update_scenario(scenario, by=owner, treatment=Treatment.MITIGATE)

    event = AuditEvent.objects.filter(object_type="risks.riskscenario", action="update").get()
    assert event.changes == {"treatment": ["untreated", "mitigate"]}


def test_a_risk_cannot_be_marked_accepted_without_the_acceptance_workflow(
    make_scenario: Any, owner: Person
) -> None:
    scenario = make_scenario()

    with pytest.raises(ValidationError) as caught:
        update_scenario(scenario, by=owner, treatment=Treatment.ACCEPT)

    assert list(caught.value.message_dict) == ["treatment"]
    assert RiskScenario.objects.get(pk=scenario.pk).treatment == Treatment.UNTREATED


def test_a_person_cannot_put_a_risk_under_a_unit_beyond_their_reach(
    make_scenario: Any, risk_owner: Person, organisation: Organisation
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_scenario(by=risk_owner, unit=organisation.shanghai)

    assert caught.value.message_dict == {"unit": ["You do not manage risks in this unit."]}
    assert RiskScenario.objects.count() == 0


def test_a_person_cannot_move_a_risk_out_of_their_reach(
    make_scenario: Any, risk_owner: Person, organisation: Organisation
) -> None:
    scenario = make_scenario(by=risk_owner)

    with pytest.raises(ValidationError) as caught:
        update_scenario(scenario, by=risk_owner, unit=organisation.shanghai)

    assert list(caught.value.message_dict) == ["unit"]
    assert RiskScenario.objects.get(pk=scenario.pk).unit_id == organisation.beijing.pk


def test_a_person_cannot_name_an_owner_they_cannot_see(
    make_scenario: Any, risk_owner: Person, organisation: Organisation, make_person: Any
) -> None:
    stranger = make_person("stranger", organisation.shanghai)

    with pytest.raises(ValidationError) as caught:
        make_scenario(by=risk_owner, owner=stranger)

    assert caught.value.message_dict == {"owner": ["Person not found."]}


def test_a_person_links_only_assets_they_may_see(
    make_scenario: Any, risk_owner: Person, outsider: Person, organisation: Organisation
) -> None:
    shanghai_asset = make_asset("SH-DB-1", organisation.shanghai, outsider)

    with pytest.raises(ValidationError) as caught:
        make_scenario(by=risk_owner, assets=[shanghai_asset])

    assert caught.value.message_dict == {"assets": ["Asset not found: SH-DB-1 SH-DB-1."]}
    assert RiskScenario.objects.count() == 0


def test_links_a_person_cannot_see_survive_their_change_of_the_links(
    make_scenario: Any, risk_owner: Person, outsider: Person, organisation: Organisation
) -> None:
    shanghai_asset = make_asset("SH-DB-1", organisation.shanghai, outsider)
    beijing_asset = make_asset("BJ-DB-1", organisation.beijing, risk_owner)
    other_beijing_asset = make_asset("BJ-DB-2", organisation.beijing, risk_owner)
    scenario = make_scenario(assets=[shanghai_asset, beijing_asset])

    update_scenario(scenario, by=risk_owner, assets=[other_beijing_asset])

    assert set(scenario.assets.values_list("reference", flat=True)) == {"SH-DB-1", "BJ-DB-2"}
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", action="update").get()
    assert event.changes == {"asset_references": ["BJ-DB-1, SH-DB-1", "BJ-DB-2, SH-DB-1"]}


def test_threats_are_linked_and_recorded(make_scenario: Any) -> None:
    ransomware, power = make_threat("T-RANSOM"), make_threat("T-POWER")

    scenario = make_scenario(threats=[ransomware, power])

    assert scenario.threat_references == "T-POWER, T-RANSOM"
    event = AuditEvent.objects.filter(object_type="risks.riskscenario", action="create").get()
    assert event.changes["threat_references"] == [None, "T-POWER, T-RANSOM"]


def test_the_appetite_helper_flags_scenarios_above_the_matrix_appetite(make_scenario: Any) -> None:
    within = make_scenario("Within", current=(2, 2))
    above_untreated = make_scenario("Above, untreated", current=(4, 4))
    above_mitigated = make_scenario("Above, mitigated", current=(5, 5), treatment=Treatment.MITIGATE)

    everything = RiskScenario.objects.all()
    assert set(above_appetite(everything)) == {above_untreated, above_mitigated}
    assert list(above_appetite(everything, untreated_only=True)) == [above_untreated]
    assert (within.is_above_appetite, above_untreated.is_above_appetite) == (False, True)
    assert (
        above_untreated.is_above_appetite_without_treatment,
        above_mitigated.is_above_appetite_without_treatment,
    ) == (True, False)


def test_the_appetite_follows_each_matrix(make_scenario: Any, matrix: RiskMatrix) -> None:
    tolerant = RiskMatrix.objects.create(
        urn="urn:test:tolerant",
        name="Tolerant",
        likelihood=matrix.likelihood,
        impact=matrix.impact,
        levels=matrix.levels,
        grid=matrix.grid,
        appetite=3,
    )
    high_on_default = make_scenario("Default", current=(4, 4))
    high_on_tolerant = make_scenario("Tolerant", current=(4, 4), matrix_used=tolerant)

    assert list(above_appetite(RiskScenario.objects.all())) == [high_on_default]
    assert high_on_tolerant.current_level == 3


def test_a_scenario_is_overdue_when_an_open_action_is_past_its_date(
    make_scenario: Any, risk_owner: Person
) -> None:
    today = timezone.localdate()
    late = make_scenario("Late")
    done_late = make_scenario("Done late")
    on_time = make_scenario("On time")
    TreatmentAction.objects.create(
        scenario=late, title="A", owner=risk_owner, due_on=today - dt.timedelta(days=1)
    )
    TreatmentAction.objects.create(
        scenario=done_late,
        title="B",
        owner=risk_owner,
        due_on=today - dt.timedelta(days=10),
        status=ActionStatus.DONE,
    )
    TreatmentAction.objects.create(scenario=on_time, title="C", owner=risk_owner, due_on=today)

    assert list(overdue(RiskScenario.objects.all())) == [late]
    assert list(overdue(RiskScenario.objects.all(), today=today + dt.timedelta(days=1))) == [late, on_time]


def test_deleting_a_scenario_records_it_with_its_plan(
    make_scenario: Any, owner: Person, risk_owner: Person
) -> None:
    scenario = make_scenario()
    action = TreatmentAction.objects.create(
        scenario=scenario, title="Buy UPS", owner=risk_owner, due_on=timezone.localdate()
    )

    scenario_id, action_id = scenario.pk, action.pk

    delete_scenario(scenario, by=owner, reason="Entered twice")

    assert not RiskScenario.objects.exists()
    deleted = AuditEvent.objects.filter(action="delete").order_by("sequence")
    assert [(event.object_type, event.object_id, event.reason) for event in deleted] == [
        ("risks.treatmentaction", str(action_id), "Entered twice"),
        ("risks.riskscenario", str(scenario_id), "Entered twice"),
    ]


def test_a_risk_owner_may_create_within_their_unit(
    make_scenario: Any, risk_owner: Person, organisation: Organisation, make_person: Any
) -> None:
    ops_owner = make_person("opsowner", organisation.beijing_ops, Role.EMPLOYEE)

    scenario = make_scenario(by=risk_owner, unit=organisation.beijing_ops, owner=ops_owner)

    assert (scenario.unit, scenario.owner) == (organisation.beijing_ops, ops_owner)
    assert AuditEvent.objects.get(object_type="risks.riskscenario").actor_id == risk_owner.pk
