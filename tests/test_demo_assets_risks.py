"""The demo inventory and risk register that `seed-demo` adds after the organisation."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from garrison.assets import graph
from garrison.assets.demo_plan import BLOCK_SIZE, plan_assets
from garrison.assets.models import Asset, AssetDependency, AssetIdentifier, AssetType
from garrison.core import audit
from garrison.core.demo.plan import plan_organisation
from garrison.core.demo.runner import seed_demo_data
from garrison.core.models import AuditEvent
from garrison.library.models import LoadedLibrary
from garrison.risks.models import (
    AcceptanceStatus,
    ActionStatus,
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
    RiskAcceptance,
    RiskMatrix,
    RiskScenario,
    TaskStatus,
    Threat,
    Treatment,
    TreatmentAction,
)

pytestmark = pytest.mark.django_db

# The steps these tests are about; the compliance steps are tested in tests/compliance/.
REGISTER_STEPS = {"organisation", "assets", "risks"}


@pytest.fixture
def demo(db: Any) -> None:
    seed_demo_data(scale=1, seed=1, only=REGISTER_STEPS)


def register_digest() -> str:
    assets = list(
        Asset.objects.order_by("reference").values_list(
            "reference",
            "name",
            "asset_type",
            "owner__username",
            "unit__code",
            "criticality",
            "effective_criticality",
        )
    )
    scenarios = list(
        RiskScenario.objects.order_by("reference").values_list(
            "reference", "title", "owner__username", "current_likelihood", "current_impact", "treatment"
        )
    )
    edges = sorted(AssetDependency.objects.values_list("dependent__reference", "dependency__reference"))
    return hashlib.sha256(repr((assets, scenarios, edges)).encode()).hexdigest()


def digest_of_a_fresh_seed(seed: int) -> str:
    savepoint = transaction.savepoint()
    seed_demo_data(scale=1, seed=seed, only=REGISTER_STEPS)
    digest = register_digest()
    transaction.savepoint_rollback(savepoint)
    return digest


def test_scale_one_makes_500_assets_of_every_type_and_500_scenarios(demo: None) -> None:
    assert Asset.objects.count() == BLOCK_SIZE == 500
    assert set(Asset.objects.values_list("asset_type", flat=True)) == set(AssetType.values)
    assert Asset.objects.filter(asset_type=AssetType.SITE).count() == 5
    assert Asset.objects.filter(is_critical_system=True).count() == 25  # 5%
    assert RiskScenario.objects.count() == 500
    assert RiskMatrix.objects.get().urn == "urn:garrison:risk-matrix:default-5x5"
    assert Threat.objects.count() == 45
    # Every shipped library is loaded: the risk defaults and the compliance frameworks.
    assert set(LoadedLibrary.objects.values_list("urn", flat=True)) >= {
        "urn:garrison:library:risk-defaults",
        "urn:garrison:library:iso27001-2022",
        "urn:garrison:library:mlps2-class3",
    }


def test_at_scale_one_hundred_the_plan_holds_fifty_thousand_assets(db: Any) -> None:
    units = [unit.code for unit in plan_organisation(scale=100).units]
    plans = plan_assets(scale=100, seed_random=random.Random(1), unit_codes=units)
    assert len(plans) == 50_000
    assert len({plan.reference for plan in plans}) == 50_000
    assert set(units) >= {plan.unit_code for plan in plans}
    assert "bj-facilities-100" in {plan.unit_code for plan in plans}


def test_dependencies_only_point_to_earlier_assets_and_criticality_propagates(demo: None) -> None:
    edges = list(AssetDependency.objects.values_list("dependent_id", "dependency_id"))
    assert len(edges) > 900
    assert all(dependency < dependent for dependent, dependency in edges)
    own = dict(Asset.objects.values_list("pk", "criticality"))
    stored = dict(Asset.objects.values_list("pk", "effective_criticality"))
    assert stored == graph.effective_criticalities(own, edges)
    ups = Asset.objects.filter(name__startswith="UPS 1A, Beijing").get()
    assert ups.effective_criticality > ups.criticality


def test_assets_carry_owners_custodians_sites_addresses_and_tags(demo: None) -> None:
    hall = Asset.objects.get(reference="ROOM-BJ-001")
    assert hall.site is not None
    assert hall.site.reference == "SITE-BJ"
    assert hall.unit.code == "bj-facilities"
    assert hall.owner.unit == hall.unit
    host = Asset.objects.filter(name__startswith="Hypervisor host bj-hv").first()
    assert host is not None
    assert host.ip_addresses[0].startswith("10.10.1.")
    identifiers = set(AssetIdentifier.objects.filter(asset=host).values_list("kind", "value"))
    assert identifiers == {("ip", host.ip_addresses[0]), ("host", host.host_names[0])}
    assert Asset.objects.filter(tags__name="mlps-level-3").count() == 25
    units = Counter(Asset.objects.values_list("unit__code", flat=True))
    assert len(units) >= 15


def test_every_scenario_keeps_the_levels_its_matrix_gives_its_ratings(demo: None) -> None:
    matrix = RiskMatrix.objects.get().as_matrix()
    for scenario in RiskScenario.objects.all():
        assert scenario.inherent_level == matrix.level_of(
            scenario.inherent_likelihood, scenario.inherent_impact
        )
        assert scenario.current_level == matrix.level_of(scenario.current_likelihood, scenario.current_impact)
        if scenario.target_likelihood is None:
            assert scenario.target_level is None
        else:
            assert scenario.target_level == matrix.level_of(
                scenario.target_likelihood, scenario.target_impact
            )
    for snapshot in RatingSnapshot.objects.all():
        assert snapshot.current_level == matrix.level_of(snapshot.current_likelihood, snapshot.current_impact)


def test_the_register_has_threats_assets_treatments_and_flags_to_show(demo: None) -> None:
    assert not RiskScenario.objects.filter(threats=None).exists()
    assert not RiskScenario.objects.filter(assets=None).exists()
    treatments = Counter(RiskScenario.objects.values_list("treatment", flat=True))
    assert set(treatments) == set(Treatment.values)
    untreated_above = RiskScenario.objects.filter(current_level__gt=2, treatment=Treatment.UNTREATED)
    assert untreated_above.exists()
    today = timezone.localdate()
    overdue = TreatmentAction.objects.filter(
        status__in=(ActionStatus.PLANNED, ActionStatus.IN_PROGRESS), due_on__lt=today
    )
    assert overdue.exists()
    assert TreatmentAction.objects.filter(status=ActionStatus.DONE).exists()


def test_acceptances_are_decided_by_someone_else_and_one_expires_within_a_week(demo: None) -> None:
    today = timezone.localdate()
    approved = RiskAcceptance.objects.filter(status=AcceptanceStatus.APPROVED)
    assert approved.exists()
    assert not approved.filter(decided_by=None).exists()
    for acceptance in RiskAcceptance.objects.exclude(decided_by=None):
        assert acceptance.decided_by_id != acceptance.requested_by_id
        assert acceptance.decided_at > acceptance.requested_at
    assert approved.filter(expires_on=today + dt.timedelta(days=7)).count() == 1
    assert RiskAcceptance.objects.filter(status=AcceptanceStatus.REQUESTED).exists()
    accepted = RiskScenario.objects.filter(acceptances__status=AcceptanceStatus.APPROVED)
    assert set(accepted.values_list("treatment", flat=True)) == {Treatment.ACCEPT}


def test_a_running_campaign_follows_a_closed_round_with_snapshots(demo: None) -> None:
    running = AssessmentCampaign.objects.get(status=CampaignStatus.RUNNING)
    closed = AssessmentCampaign.objects.get(status=CampaignStatus.CLOSED)
    assert running.previous == closed
    assert running.starts_on <= timezone.localdate() <= running.ends_on
    tasks = Counter(ReviewTask.objects.filter(campaign=running).values_list("status", flat=True))
    assert tasks[TaskStatus.DONE] > 0
    assert tasks[TaskStatus.PENDING] > tasks[TaskStatus.DONE]
    assert set(ReviewTask.objects.filter(campaign=running).values_list("assignee", flat=True)) == set(
        running.participants.values_list("pk", flat=True)
    )
    reviewed = set(ReviewTask.objects.filter(campaign=closed).values_list("scenario", flat=True))
    assert set(RatingSnapshot.objects.filter(campaign=closed).values_list("scenario", flat=True)) == reviewed
    assert len(reviewed) == 450


def test_the_audit_trail_records_each_demo_object_once_and_verifies(demo: None) -> None:
    count, problem = audit.verify_trail()
    assert problem is None
    assert AuditEvent.objects.filter(object_type="assets.asset").count() == Asset.objects.count()
    assert AuditEvent.objects.filter(object_type="risks.riskscenario").count() == RiskScenario.objects.count()
    assert (
        AuditEvent.objects.filter(object_type="risks.ratingsnapshot").count()
        == RatingSnapshot.objects.count()
    )
    # The register is seeded by the system; later demo steps (compliance) act as the people
    # who would have done the work (a tester completing a test).
    register_events = AuditEvent.objects.filter(object_type__regex=r"^(assets|risks)\.")
    assert set(register_events.values_list("actor_label", flat=True)) == {"seed-demo"}
    scenario = RiskScenario.objects.select_related("unit").first()
    assert scenario is not None
    event = AuditEvent.objects.get(object_type="risks.riskscenario", object_id=str(scenario.pk))
    assert event.scope_path == scenario.unit.path
    assert event.changes["threat_references"][1]
    assert count == AuditEvent.objects.count()


def test_the_same_seed_gives_the_same_register_and_another_seed_another(db: Any) -> None:
    first = digest_of_a_fresh_seed(7)
    assert not Asset.objects.exists()
    second = digest_of_a_fresh_seed(7)
    other = digest_of_a_fresh_seed(8)
    assert first == second
    assert first != other
