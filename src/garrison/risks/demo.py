"""The risks demo step: a populated register, its treatment plans and acceptances, and
the assessment campaigns, in bulk.

The shipped library is loaded first (the default five-by-five matrix and the threat catalogue).
Every scale unit adds 500 risk scenarios, each about an asset of the inventory (the
assets step runs first) and the threats that fit its type, owned by the asset's owner
in its custodian unit, rated on the default matrix (levels derived by the matrix
itself). Scenarios above appetite are mostly treated, some are not (the register flags
those); mitigations get treatment actions, some of them overdue; accepted risks have
an approved acceptance, one of them expiring within a week, and a few requests wait for
a decision. Last year's assessment round is closed with a snapshot of every rating it
reviewed, and this year's round is running with part of its reviews done.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from garrison.assets.demo import update_column
from garrison.assets.models import Asset, AssetDependency, LifecycleStatus
from garrison.core import audit
from garrison.core.demo.organisation import BATCH_SIZE, EVENT_CHUNK
from garrison.core.demo.registry import DemoContext, register_step
from garrison.core.models import OrgUnit, Person, RoleAssignment
from garrison.core.models.audit import AuditAction
from garrison.core.roles import APPROVER_ROLES, Domain
from garrison.library.shipped import load_shipped_libraries
from garrison.risks.demo_catalogue import (
    ACTIONS_BY_CATEGORY,
    CONTROLS_BY_CATEGORY,
    REVIEW_COMMENTS,
    THREATS_BY_TYPE,
    TYPE_WEIGHTS,
)
from garrison.risks.matrix import Matrix
from garrison.risks.models import (
    AcceptanceStatus,
    ActionStatus,
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    Recurrence,
    ReviewTask,
    RiskAcceptance,
    RiskMatrix,
    RiskScenario,
    ScenarioStatus,
    TaskStatus,
    Threat,
    Treatment,
    TreatmentAction,
)

SCENARIOS_PER_SCALE = 500
DEFAULT_MATRIX_URN = "urn:garrison:risk-matrix:default-5x5"


@dataclass
class _Scenario:
    """A planned scenario with the rows that hang off it."""

    scenario: RiskScenario
    assets: list[int]
    threats: list[Threat]
    category: str


@register_step("risks", order=300)
def seed_risks(context: DemoContext) -> None:
    for _path, result in load_shipped_libraries(by=context.actor):
        if result.is_refused:
            raise RuntimeError(f"shipped library refused: {result.errors}")
        if result.status != "unchanged":
            context.count("library objects", sum(len(kind.added) for kind in result.kinds.values()))
    matrix = RiskMatrix.objects.get(urn=DEFAULT_MATRIX_URN)
    today = timezone.localdate()
    people = {person.pk: person for person in context.people.values()}
    units = {unit.pk: unit for unit in context.units.values()}
    planned = plan_scenarios(context, matrix, people, units, today)
    scenarios = RiskScenario.objects.bulk_create([item.scenario for item in planned], batch_size=BATCH_SIZE)
    _link(planned)
    actions = _treatment_actions(context.random("risks-actions"), planned, people, today)
    acceptances = _acceptances(context.random("risks-acceptances"), planned, today)
    campaigns, tasks, snapshots = _campaigns(context, planned, matrix.as_matrix(), today)
    events = _record_events(context.actor, planned, actions, acceptances, campaigns, tasks, snapshots)
    context.count("risk scenarios", len(scenarios))
    context.count("treatment actions", len(actions))
    context.count("risk acceptances", len(acceptances))
    context.count("review tasks", len(tasks))
    context.count("rating snapshots", len(snapshots))
    context.count("audit events", events)


def plan_scenarios(
    context: DemoContext,
    matrix: RiskMatrix,
    people: Mapping[int, Person],
    units: Mapping[int, OrgUnit],
    today: dt.date,
) -> list[_Scenario]:
    """`SCENARIOS_PER_SCALE` scenarios per scale unit, each about one asset and its threats."""
    rng = context.random("risks")
    rating = matrix.as_matrix()
    threats = {
        threat.reference: threat for threat in Threat.objects.filter(library_urn__startswith="urn:garrison:")
    }
    rows = list(
        Asset.objects.exclude(lifecycle_status=LifecycleStatus.RETIRED)
        .order_by("pk")
        .values_list("pk", "reference", "name", "asset_type", "unit_id", "owner_id", "is_critical_system")
    )
    dependencies: dict[int, list[int]] = defaultdict(list)
    for dependent, dependency in AssetDependency.objects.order_by("pk").values_list(
        "dependent_id", "dependency_id"
    ):
        dependencies[dependent].append(dependency)
    weights = [TYPE_WEIGHTS[row[3]] * (2 if row[6] else 1) for row in rows]
    count = SCENARIOS_PER_SCALE * context.scale
    subjects = rng.choices(rows, weights=weights, k=count)
    planned = []
    reviewed = timezone.now() - dt.timedelta(days=300)
    for number, (asset_id, reference, name, asset_type, unit_id, owner_id, is_critical) in enumerate(
        subjects, start=1
    ):
        chosen = rng.sample(THREATS_BY_TYPE[asset_type], k=2 if rng.random() < 0.3 else 1)
        scenario_threats = [threats[ref] for ref in chosen]
        first = scenario_threats[0]
        related = dependencies.get(asset_id, [])
        linked = [asset_id, *rng.sample(related, k=min(len(related), rng.choice((0, 0, 1, 2))))]
        inherent = (rng.choices((1, 2, 3, 4, 5), (1, 3, 4, 3, 1))[0], _impact(rng, is_critical))
        current = (
            max(1, inherent[0] - rng.choice((0, 1, 1, 2))),
            max(1, inherent[1] - rng.choice((0, 0, 1))),
        )
        current_level = rating.level_of(*current)
        treatment = _treatment(rng, rating, current_level)
        target = None
        if treatment in (Treatment.MITIGATE, Treatment.TRANSFER, Treatment.AVOID):
            target = (max(1, current[0] - rng.choice((1, 2))), max(1, current[1] - rng.choice((0, 1))))
        draw = rng.random()
        status = ScenarioStatus.OPEN
        if draw < 0.02:
            status = ScenarioStatus.NEEDS_REVIEW
        elif draw < 0.03 and treatment == Treatment.AVOID:
            status = ScenarioStatus.CLOSED
        scenario = RiskScenario(
            reference=f"R-{number:06d}",
            title=f"{first.name}: {name}"[:300],
            description=f"{first.description} It would hit {name} ({reference}).",
            unit=units[unit_id],
            owner=people[owner_id],
            matrix=matrix,
            existing_controls=rng.choice(CONTROLS_BY_CATEGORY.get(first.category, ("",))),
            inherent_likelihood=inherent[0],
            inherent_impact=inherent[1],
            inherent_level=rating.level_of(*inherent),
            current_likelihood=current[0],
            current_impact=current[1],
            current_level=current_level,
            target_likelihood=target[0] if target else None,
            target_impact=target[1] if target else None,
            target_level=rating.level_of(*target) if target else None,
            treatment=treatment,
            status=status,
            last_reviewed_at=reviewed,
        )
        planned.append(_Scenario(scenario, linked, scenario_threats, first.category))
    return planned


def _impact(rng: random.Random, is_critical: bool) -> int:
    if is_critical:
        return rng.choices((3, 4, 5), (2, 4, 3))[0]
    return rng.choices((1, 2, 3, 4, 5), (1, 3, 4, 3, 1))[0]


def _treatment(rng: random.Random, rating: Matrix, level: int) -> str:
    if rating.is_above_appetite(level):
        options = (
            Treatment.MITIGATE,
            Treatment.ACCEPT,
            Treatment.TRANSFER,
            Treatment.AVOID,
            Treatment.UNTREATED,
        )
        return rng.choices(options, (55, 12, 8, 5, 20))[0]
    return rng.choices((Treatment.UNTREATED, Treatment.ACCEPT, Treatment.MITIGATE), (45, 30, 25))[0]


def _link(planned: Sequence[_Scenario]) -> None:
    asset_link = RiskScenario.assets.through
    threat_link = RiskScenario.threats.through
    asset_link.objects.bulk_create(
        [
            asset_link(riskscenario_id=item.scenario.pk, asset_id=asset_id)
            for item in planned
            for asset_id in dict.fromkeys(item.assets)
        ],
        batch_size=BATCH_SIZE,
    )
    threat_link.objects.bulk_create(
        [
            threat_link(riskscenario_id=item.scenario.pk, threat_id=threat.pk)
            for item in planned
            for threat in item.threats
        ],
        batch_size=BATCH_SIZE,
    )


def _unit_staff(people: Iterable[Person]) -> dict[int, list[Person]]:
    staff: dict[int, list[Person]] = defaultdict(list)
    for person in sorted(people, key=lambda person: person.username):
        if person.employment_status == "active":
            staff[person.unit_id].append(person)
    return staff


def _treatment_actions(
    rng: random.Random, planned: Sequence[_Scenario], people: Mapping[int, Person], today: dt.date
) -> list[TreatmentAction]:
    """One to three actions per mitigated or transferred scenario; those past due are
    mostly done, but some are still open (overdue)."""
    staff = _unit_staff(people.values())
    actions = []
    for item in planned:
        scenario = item.scenario
        if scenario.treatment not in (Treatment.MITIGATE, Treatment.TRANSFER):
            continue
        titles = ACTIONS_BY_CATEGORY.get(item.category, ACTIONS_BY_CATEGORY["technical"])
        for title in rng.sample(titles, k=min(len(titles), rng.choice((1, 1, 2, 3)))):
            due = today + dt.timedelta(days=rng.randint(-120, 240))
            status, completed = ActionStatus.PLANNED, None
            if due < today:
                draw = rng.random()
                if draw < 0.55:
                    status, completed = ActionStatus.DONE, due - dt.timedelta(days=rng.randint(0, 20))
                elif draw < 0.6:
                    status = ActionStatus.CANCELLED
                else:
                    status = rng.choice((ActionStatus.PLANNED, ActionStatus.IN_PROGRESS))
            elif rng.random() < 0.4:
                status = ActionStatus.IN_PROGRESS
            colleagues = staff.get(scenario.unit_id) or [scenario.owner]
            actions.append(
                TreatmentAction(
                    scenario=scenario,
                    title=title,
                    owner=scenario.owner if rng.random() < 0.6 else rng.choice(colleagues),
                    due_on=due,
                    status=status,
                    completed_on=completed,
                )
            )
    return TreatmentAction.objects.bulk_create(actions, batch_size=BATCH_SIZE)


def _approvers() -> list[Person]:
    """People who may decide acceptances anywhere: an approving role on a root unit."""
    held = (
        RoleAssignment.objects.filter(role__in=APPROVER_ROLES[Domain.RISKS], unit__parent__isnull=True)
        .select_related("person")
        .order_by("person__username")
    )
    return list(dict.fromkeys(assignment.person for assignment in held if assignment.person.is_active))


def _acceptances(rng: random.Random, planned: Sequence[_Scenario], today: dt.date) -> list[RiskAcceptance]:
    """Approved acceptances for accepted risks (the first expiring in a week, the second in
    thirty days), requests waiting for a decision and a few rejections."""
    approvers = _approvers()
    now = timezone.now()
    acceptances: list[RiskAcceptance] = []
    requested_at: list[dt.datetime] = []
    soon = iter((7, 30))
    for item in planned:
        scenario = item.scenario
        owner = scenario.owner
        deciders = [person for person in approvers if person.pk != owner.pk]
        if not deciders:
            continue  # nobody else could decide on this owner's request
        asked = now - dt.timedelta(days=rng.randint(3, 200))
        if scenario.treatment == Treatment.ACCEPT and scenario.status == ScenarioStatus.OPEN:
            expires = today + dt.timedelta(days=next(soon, None) or rng.randint(40, 360))
            status, decided_by, decided_at = (
                AcceptanceStatus.APPROVED,
                rng.choice(deciders),
                asked + dt.timedelta(days=2),
            )
            comment = "Within what the Committee tolerates until the next assessment."
        elif scenario.treatment == Treatment.UNTREATED and rng.random() < 0.04:
            expires = today + dt.timedelta(days=rng.randint(90, 360))
            if rng.random() < 0.75:
                status, decided_by, decided_at, comment = AcceptanceStatus.REQUESTED, None, None, ""
            else:
                status, decided_by, decided_at = (
                    AcceptanceStatus.REJECTED,
                    rng.choice(deciders),
                    asked + dt.timedelta(days=1),
                )
                comment = "Above appetite: plan a mitigation instead."
        else:
            continue
        acceptances.append(
            RiskAcceptance(
                scenario=scenario,
                status=status,
                requested_by=owner,
                justification="The cost of further controls outweighs the remaining exposure; "
                "existing controls are tested every quarter.",
                expires_on=expires,
                decided_by=decided_by,
                decided_at=decided_at,
                decision_comment=comment,
            )
        )
        requested_at.append(asked)
    created = RiskAcceptance.objects.bulk_create(acceptances, batch_size=BATCH_SIZE)
    # requested_at is stamped on insert; put back when each request was made.
    for acceptance, asked in zip(created, requested_at, strict=True):
        acceptance.requested_at = asked
    update_column(
        RiskAcceptance, "requested_at", [(acceptance.pk, acceptance.requested_at) for acceptance in created]
    )
    return created


def _campaigns(
    context: DemoContext, planned: Sequence[_Scenario], rating: Matrix, today: dt.date
) -> tuple[list[AssessmentCampaign], list[ReviewTask], list[RatingSnapshot]]:
    """Last year's round, closed with its snapshots, and this year's, running."""
    rng = context.random("risks-campaigns")
    root = context.units[context.root_code]
    started = today - dt.timedelta(days=20)
    earlier_start = started - relativedelta(years=1)
    earlier_end = earlier_start + dt.timedelta(days=60)
    closed_at = timezone.make_aware(dt.datetime.combine(earlier_end, dt.time(18)))
    closed = AssessmentCampaign(
        name=f"Annual risk assessment {earlier_start.year}",
        description="Every risk owner reviews and re-rates their scenarios.",
        unit=root,
        starts_on=earlier_start,
        ends_on=earlier_end,
        recurrence=Recurrence.YEARLY,
        status=CampaignStatus.CLOSED,
        started_at=timezone.make_aware(dt.datetime.combine(earlier_start, dt.time(9))),
        closed_at=closed_at,
    )
    closed.save()
    running = AssessmentCampaign(
        name=f"Annual risk assessment {started.year}",
        description="Every risk owner reviews and re-rates their scenarios.",
        unit=root,
        starts_on=started,
        ends_on=today + dt.timedelta(days=40),
        recurrence=Recurrence.YEARLY,
        previous=closed,
        status=CampaignStatus.RUNNING,
        started_at=timezone.make_aware(dt.datetime.combine(started, dt.time(9))),
    )
    running.save()
    tasks: list[ReviewTask] = []
    snapshots: list[RatingSnapshot] = []
    # The round of last year reviewed the scenarios that existed then (nine in ten).
    earlier = planned[: len(planned) * 9 // 10]
    for item in earlier:
        scenario = item.scenario
        is_done = rng.random() < 0.92
        tasks.append(
            ReviewTask(
                campaign=closed,
                scenario=scenario,
                assignee=scenario.owner,
                status=TaskStatus.DONE if is_done else TaskStatus.PENDING,
                comment=rng.choice(REVIEW_COMMENTS) if is_done else "",
                completed_at=closed_at - dt.timedelta(days=rng.randint(1, 50)) if is_done else None,
            )
        )
        # A year ago the current ratings were a little worse.
        current = (min(5, scenario.current_likelihood + rng.choice((0, 0, 1))), scenario.current_impact)
        snapshots.append(
            RatingSnapshot(
                campaign=closed,
                scenario=scenario,
                taken_at=closed_at,
                inherent_likelihood=scenario.inherent_likelihood,
                inherent_impact=scenario.inherent_impact,
                inherent_level=scenario.inherent_level,
                current_likelihood=current[0],
                current_impact=current[1],
                current_level=rating.level_of(*current),
                target_likelihood=scenario.target_likelihood,
                target_impact=scenario.target_impact,
                target_level=scenario.target_level,
                treatment=scenario.treatment if rng.random() < 0.85 else Treatment.UNTREATED,
            )
        )
    reviewed = []
    for item in planned:
        scenario = item.scenario
        if scenario.status == ScenarioStatus.CLOSED:
            continue
        is_done = rng.random() < 0.35
        completed = timezone.now() - dt.timedelta(days=rng.randint(0, 19), hours=rng.randint(0, 8))
        tasks.append(
            ReviewTask(
                campaign=running,
                scenario=scenario,
                assignee=scenario.owner,
                status=TaskStatus.DONE if is_done else TaskStatus.PENDING,
                comment=rng.choice(REVIEW_COMMENTS) if is_done else "",
                completed_at=completed if is_done else None,
            )
        )
        if is_done:
            scenario.last_reviewed_at = completed
            reviewed.append(scenario)
    update_column(
        RiskScenario, "last_reviewed_at", [(scenario.pk, scenario.last_reviewed_at) for scenario in reviewed]
    )
    tasks = ReviewTask.objects.bulk_create(tasks, batch_size=BATCH_SIZE)
    snapshots = RatingSnapshot.objects.bulk_create(snapshots, batch_size=BATCH_SIZE)
    _campaign_members(closed, root, earlier)
    _campaign_members(running, root, planned)
    return [closed, running], tasks, snapshots


def _campaign_members(campaign: AssessmentCampaign, unit: OrgUnit, planned: Sequence[_Scenario]) -> None:
    """The campaign covers the whole organisation; every scenario owner takes part."""
    campaign.scope_units.through.objects.create(assessmentcampaign_id=campaign.pk, orgunit_id=unit.pk)
    owners = sorted({item.scenario.owner_id for item in planned})
    through = campaign.participants.through
    through.objects.bulk_create(
        [through(assessmentcampaign_id=campaign.pk, person_id=owner) for owner in owners],
        batch_size=BATCH_SIZE,
    )


# Audit trail ------------------------------------------------------------------------------------


def _record_events(
    actor: str,
    planned: Sequence[_Scenario],
    actions: Sequence[TreatmentAction],
    acceptances: Sequence[RiskAcceptance],
    campaigns: Sequence[AssessmentCampaign],
    tasks: Sequence[ReviewTask],
    snapshots: Sequence[RatingSnapshot],
) -> int:
    """One "create" event per object, with the same changes the services record."""
    asset_references = dict(Asset.objects.values_list("pk", "reference"))
    paths = {item.scenario.pk: item.scenario.unit.path for item in planned}

    def events() -> Iterable[audit.PendingEvent]:
        for item in planned:
            changes: dict[str, Any] = audit.diff({}, audit.snapshot(item.scenario))
            changes["asset_references"] = [
                None,
                ", ".join(sorted(asset_references[pk] for pk in set(item.assets))),
            ]
            changes["threat_references"] = [
                None,
                ", ".join(sorted(threat.reference for threat in item.threats)),
            ]
            yield audit.pending_for(item.scenario, AuditAction.CREATE, by=actor, changes=changes)
        for obj in (*actions, *acceptances):
            yield audit.pending_for(
                obj, AuditAction.CREATE, by=actor, changes=audit.diff({}, audit.snapshot(obj))
            )
        for campaign in campaigns:
            yield audit.pending_for(
                campaign, AuditAction.CREATE, by=actor, changes=audit.diff({}, audit.snapshot(campaign))
            )
        rows: list[ReviewTask | RatingSnapshot] = [*tasks, *snapshots]
        for row in rows:
            yield audit.PendingEvent(
                action=AuditAction.CREATE,
                object_type=audit.object_type_of(row),
                object_id=str(row.pk),
                object_repr=f"{row.campaign.name} / {row.scenario_id}"[:300],
                changes=audit.diff({}, audit.snapshot(row)),
                scope_path=paths.get(row.scenario_id, ""),
                actor=actor,
            )

    recorded = 0
    pending: list[audit.PendingEvent] = []
    for event in events():
        pending.append(event)
        if len(pending) == EVENT_CHUNK:
            recorded += len(audit.record_many(pending))
            pending = []
    return recorded + len(audit.record_many(pending))
