"""Assessment campaigns: rounds in which every scenario owner reviews and re-rates their
risks, closed with a snapshot of every rating so that trends can be reported.

A campaign is drafted over a scope (units, asset types, critical information systems)
and a period, started (one review task per scenario in scope, assigned to the scenario's
owner, who is told once), worked through by the owners (`complete_review` re-rates the
scenario through the register's own service) and closed (a `RatingSnapshot` per
scenario). Recurring campaigns are opened again by the scheduler (garrison.risks.tasks).

Services accept the system actor (`garrison.core.audit.SYSTEM_ACTOR`, or None) for the
scheduler's writes; a person acting is held to their reach, and an object out of it
answers Http404 exactly as a missing one would.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from garrison.assets.models import AssetType
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import can, has_grant, is_system, require, restrict
from garrison.core.services import notifications
from garrison.core.services.records import update_record
from garrison.core.workflow import StateMachine, Transition
from garrison.risks import notifications as risk_notifications
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    Recurrence,
    ReviewTask,
    RiskScenario,
    ScenarioStatus,
    TaskStatus,
)

BULK_BATCH_SIZE = 1000
# Fields of a campaign that may still change once it runs: its scope and period start
# decided which tasks exist, so they are fixed from then on. The recurrence stays open so
# that a series can be stopped (or made recurring) from its current round.
CHANGEABLE_WHILE_RUNNING = frozenset({"name", "description", "ends_on", "participants", "recurrence"})
RECURRENCE_STEPS = {
    Recurrence.QUARTERLY: relativedelta(months=3),
    Recurrence.YEARLY: relativedelta(years=1),
}
# The date the scheduler appends to a recurring round's name: "Risk review (2026-04-01)".
ROUND_SUFFIX = re.compile(r" \(\d{4}-\d{2}-\d{2}\)$")
NAME_LENGTH = AssessmentCampaign._meta.get_field("name").max_length or 200


def _has_scenarios(campaign: AssessmentCampaign, by: Any) -> bool | str:
    if selected_scenarios(campaign).exists():
        return True
    return _("Nothing to review: no open risk scenario lies in this campaign's scope.")


class CampaignWorkflow(StateMachine):
    """Draft → running → closed. The services check the person's reach themselves, since
    the scheduler (no person) starts recurring rounds."""

    states = CampaignStatus
    field = "status"
    transitions = (
        Transition(
            "start",
            source=[CampaignStatus.DRAFT],
            target=CampaignStatus.RUNNING,
            label=gettext_lazy("Start"),
            guard=_has_scenarios,
            permission=None,
        ),
        Transition(
            "close",
            source=[CampaignStatus.RUNNING],
            target=CampaignStatus.CLOSED,
            label=gettext_lazy("Close"),
            permission=None,
        ),
    )


# Writing campaigns ---------------------------------------------------------------------------


# Audit keys of the many-to-many links: not field names, because the history page reads
# a field's values as the ids of single objects.
SCOPE_UNIT_CHANGES = "scope_unit_names"
PARTICIPANT_CHANGES = "participant_usernames"


def _snapshot(campaign: AssessmentCampaign) -> dict[str, Any]:
    """The campaign as the audit trail records it, its units and participants by name."""
    values = audit.snapshot(campaign)
    if campaign.pk is not None:
        units = sorted(campaign.scope_units.values_list("name", flat=True))
        people = sorted(campaign.participants.values_list("username", flat=True))
        values[SCOPE_UNIT_CHANGES] = ", ".join(units) or None
        values[PARTICIPANT_CHANGES] = ", ".join(people) or None
    return values


def _check_fields(
    by: Any,
    *,
    unit: OrgUnit,
    action: Action,
    starts_on: dt.date,
    ends_on: dt.date,
    scope_units: Sequence[OrgUnit],
    scope_asset_types: Sequence[str],
    participants: Sequence[Person],
) -> None:
    """Every rule a campaign's fields must keep, all reported at once by field."""
    errors: dict[str, list[str]] = {}
    if not is_system(by) and not has_grant(by, Domain.RISKS, action, unit.path):
        errors["unit"] = [_("Unit not found.")]
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = [_("The campaign must end after it starts.")]
    outside = [scope_unit.name for scope_unit in scope_units if not scope_unit.path.startswith(unit.path)]
    if outside:
        errors["scope_units"] = [
            _("%(units)s lies outside the organising unit %(unit)s.")
            % {"units": ", ".join(outside), "unit": unit.name}
        ]
    unknown = [value for value in scope_asset_types if value not in AssetType.values]
    if unknown:
        errors["scope_asset_types"] = [
            _("Unknown asset type: %(types)s.") % {"types": ", ".join(str(value) for value in unknown)}
        ]
    if not is_system(by) and participants:
        visible = set(
            restrict(Person.objects.filter(pk__in=[person.pk for person in participants]), by).values_list(
                "pk", flat=True
            )
        )
        missing = [person.pk for person in participants if person.pk not in visible]
        if missing:
            errors["participants"] = [_("Person not found.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_campaign(
    *,
    by: Any,
    name: str,
    unit: OrgUnit,
    starts_on: dt.date,
    ends_on: dt.date,
    scope_units: Iterable[OrgUnit] = (),
    scope_asset_types: Iterable[str] = (),
    critical_systems_only: bool = False,
    participants: Iterable[Person] = (),
    recurrence: str = Recurrence.NONE,
    description: str = "",
    previous: AssessmentCampaign | None = None,
) -> AssessmentCampaign:
    """Draft a campaign organised by `unit`; its scope units must lie under that unit.

    Without scope units the campaign covers every scenario under the organising unit.
    """
    units = list(scope_units)
    types = list(dict.fromkeys(scope_asset_types))
    people = list(participants)
    _check_fields(
        by,
        unit=unit,
        action=Action.ADD,
        starts_on=starts_on,
        ends_on=ends_on,
        scope_units=units,
        scope_asset_types=types,
        participants=people,
    )
    campaign = AssessmentCampaign(
        name=name,
        description=description,
        unit=unit,
        starts_on=starts_on,
        ends_on=ends_on,
        scope_asset_types=types,
        critical_systems_only=critical_systems_only,
        recurrence=recurrence,
        previous=previous,
    )
    campaign.full_clean()
    campaign.save()
    campaign.scope_units.set(units)
    campaign.participants.set(people)
    audit.record(campaign, AuditAction.CREATE, by=by, changes=audit.diff({}, _snapshot(campaign)))
    return campaign


@transaction.atomic
def update_campaign(
    campaign: AssessmentCampaign, *, by: Any, reason: str = "", **fields: Any
) -> AssessmentCampaign:
    """Change a campaign. A draft changes freely; a running campaign only its name,
    description, end date, participants and recurrence; a closed one not at all."""
    require(by, Action.CHANGE, campaign)
    locked = AssessmentCampaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status == CampaignStatus.CLOSED:
        raise ValidationError({NON_FIELD_ERRORS: [_("A closed campaign can no longer change.")]})
    if locked.status == CampaignStatus.RUNNING:
        fixed = sorted(
            name for name in set(fields) - CHANGEABLE_WHILE_RUNNING if _differs(campaign, name, fields[name])
        )
        if fixed:
            raise ValidationError(
                {name: [_("This can no longer change once the campaign has started.")] for name in fixed}
            )
    units = list(fields.pop("scope_units", campaign.scope_units.all()))
    people = list(fields.pop("participants", campaign.participants.all()))
    if "scope_asset_types" in fields:
        fields["scope_asset_types"] = list(dict.fromkeys(fields["scope_asset_types"]))
    unit = fields.get("unit", campaign.unit)
    _check_fields(
        by,
        unit=unit,
        action=Action.CHANGE,
        starts_on=fields.get("starts_on", campaign.starts_on),
        ends_on=fields.get("ends_on", campaign.ends_on),
        scope_units=units,
        scope_asset_types=fields.get("scope_asset_types", campaign.scope_asset_types),
        participants=people,
    )
    before = _snapshot(campaign)
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    campaign.scope_units.set(units)
    campaign.participants.set(people)
    changes = audit.diff(before, _snapshot(campaign))
    if changes:
        audit.record(campaign, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return campaign


def _differs(campaign: AssessmentCampaign, name: str, value: Any) -> bool:
    if name == "scope_units":
        return {unit.pk for unit in value} != set(campaign.scope_units.values_list("pk", flat=True))
    if name == "scope_asset_types":
        return sorted(value) != sorted(campaign.scope_asset_types)
    current = getattr(campaign, name)
    return bool(current != value)


@transaction.atomic
def delete_campaign(campaign: AssessmentCampaign, *, by: Any, reason: str = "") -> None:
    """Throw a draft away; a campaign that ran is history and stays."""
    require(by, Action.DELETE, campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError({NON_FIELD_ERRORS: [_("Only a draft campaign can be deleted.")]})
    event = audit.pending_for(
        campaign, AuditAction.DELETE, by=by, changes=audit.diff(_snapshot(campaign), {}), reason=reason
    )
    campaign.delete()
    audit.record_many([event])


# Scope ---------------------------------------------------------------------------------------


def selected_scenarios(campaign: AssessmentCampaign) -> models.QuerySet[RiskScenario]:
    """The open scenarios a campaign reviews.

    Those under any of its scope units (under the organising unit when it names none);
    with asset types, only scenarios touching at least one asset of those types; for
    critical systems only, scenarios touching at least one critical information system.
    Closed scenarios are no longer assessed.
    """
    paths = list(campaign.scope_units.values_list("path", flat=True)) or [campaign.unit.path]
    within = Q(pk__in=[])
    for path in paths:
        within |= Q(unit__path__startswith=path)
    scenarios = RiskScenario.objects.filter(within).exclude(status=ScenarioStatus.CLOSED)
    linked_assets = RiskScenario.assets.through.objects.filter(riskscenario_id=OuterRef("pk"))
    if campaign.scope_asset_types:
        scenarios = scenarios.filter(
            Exists(linked_assets.filter(asset__asset_type__in=campaign.scope_asset_types))
        )
    if campaign.critical_systems_only:
        scenarios = scenarios.filter(Exists(linked_assets.filter(asset__is_critical_system=True)))
    return scenarios


# Running -------------------------------------------------------------------------------------


@transaction.atomic
def start_campaign(campaign: AssessmentCampaign, *, by: Any) -> AssessmentCampaign:
    """Open the campaign: one review task per scenario in scope for the scenario's owner,
    each owner told once and added to the participants."""
    require(by, Action.CHANGE, campaign)
    CampaignWorkflow.apply(campaign, "start", by=by)
    now = timezone.now()
    AssessmentCampaign.objects.filter(pk=campaign.pk).update(started_at=now)
    campaign.started_at = now
    scenarios = list(selected_scenarios(campaign).order_by("reference").values_list("pk", "owner_id"))
    tasks = ReviewTask.objects.bulk_create(
        [
            ReviewTask(campaign=campaign, scenario_id=scenario_id, assignee_id=owner_id)
            for scenario_id, owner_id in scenarios
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    _record_created(tasks, by=by, scope_paths=_unit_paths_of_scenarios([pk for pk, _owner in scenarios]))
    counts: dict[int, int] = {}
    for _scenario_id, owner_id in scenarios:
        counts[owner_id] = counts.get(owner_id, 0) + 1
    owners = list(Person.objects.filter(pk__in=counts).order_by("pk"))
    campaign.participants.add(*owners)
    for owner in owners:
        _tell_reviewer(campaign, owner, counts[owner.pk])
    return campaign


def _unit_paths_of_scenarios(scenario_ids: list[int]) -> dict[int, str]:
    paths: dict[int, str] = {}
    for start in range(0, len(scenario_ids), BULK_BATCH_SIZE):
        chunk = scenario_ids[start : start + BULK_BATCH_SIZE]
        paths.update(RiskScenario.objects.filter(pk__in=chunk).values_list("pk", "unit__path"))
    return paths


def _record_created(
    objects: Sequence[ReviewTask | RatingSnapshot], *, by: Any, scope_paths: dict[int, str]
) -> None:
    """One "create" event per bulk-created task or snapshot, chained in one go."""
    audit.record_many(
        audit.PendingEvent(
            action=AuditAction.CREATE,
            object_type=audit.object_type_of(item),
            object_id=str(item.pk),
            object_repr=f"{item.campaign.name} / {item.scenario_id}"[:300],
            changes=audit.diff({}, audit.snapshot(item)),
            scope_path=scope_paths.get(item.scenario_id, ""),
            actor=by,
        )
        for item in objects
    )


def _tell_reviewer(campaign: AssessmentCampaign, owner: Person, count: int) -> None:
    link = f"{reverse('risks:review-task-list')}?{urlencode({'campaign': campaign.pk})}"
    with translation.override(notifications.language_of(owner)):
        title = ngettext(
            "Review %(count)d risk scenario in “%(campaign)s”",
            "Review %(count)d risk scenarios in “%(campaign)s”",
            count,
        ) % {"count": count, "campaign": campaign.name}
        body = _("Re-rate each scenario you own by %(date)s.") % {"date": campaign.ends_on.isoformat()}
    notifications.notify(
        owner,
        risk_notifications.REVIEW_ASSIGNED.code,
        title=title,
        body=body,
        link=link,
        target=campaign,
        # One message per owner and campaign, even if starting were ever retried.
        dedupe_key=f"risks.review-assigned:{campaign.pk}:{owner.pk}",
    )


def may_complete(task: ReviewTask, person: Any) -> bool:
    """Whether `person` may complete `task`: its assignee, or whoever may change the scenario."""
    if is_system(person):
        return True
    return can(person, Action.CHANGE, task) or can(person, Action.CHANGE, task.scenario)


@transaction.atomic
def complete_review(
    task: ReviewTask,
    *,
    by: Any,
    current_likelihood: int,
    current_impact: int,
    target_likelihood: int | None = None,
    target_impact: int | None = None,
    comment: str = "",
) -> ReviewTask:
    """Record an owner's review: the scenario is re-rated through the register's service
    (same validation and audit as any edit), marked reviewed, and the task done.

    Targets left as None keep the scenario's current targets. A scenario that was
    waiting for review (an acceptance expired) is open again once reviewed.
    """
    from garrison.risks.services.scenarios import update_scenario

    locked = (
        ReviewTask.objects.select_for_update()
        .select_related("campaign", "scenario")
        .filter(pk=task.pk)
        .first()
    )
    if locked is None or not may_complete(locked, by):
        raise Http404
    if locked.campaign.status != CampaignStatus.RUNNING:
        raise ValidationError({NON_FIELD_ERRORS: [_("The campaign is not running; reviews are closed.")]})
    if locked.status == TaskStatus.DONE:
        raise ValidationError({NON_FIELD_ERRORS: [_("This review is already done.")]})
    scenario = locked.scenario
    ratings: dict[str, Any] = {"current_likelihood": current_likelihood, "current_impact": current_impact}
    if target_likelihood is not None or target_impact is not None:
        ratings["target_likelihood"] = target_likelihood
        ratings["target_impact"] = target_impact
    if scenario.status == ScenarioStatus.NEEDS_REVIEW:
        ratings["status"] = ScenarioStatus.OPEN
    reason = _("Review in campaign “%(campaign)s”") % {"campaign": locked.campaign.name}
    if comment.strip():
        reason = f"{reason}: {comment.strip()}"
    scenario = update_scenario(scenario, by=by, reason=reason, last_reviewed_at=timezone.now(), **ratings)
    locked = update_record(
        locked, by=by, status=TaskStatus.DONE, comment=comment.strip(), completed_at=timezone.now()
    )
    for name in ("status", "comment", "completed_at"):
        setattr(task, name, getattr(locked, name))
    task.scenario = scenario
    return task


@dataclass(frozen=True)
class CampaignClosure:
    """What closing a campaign did: snapshots taken, reviews left undone."""

    campaign: AssessmentCampaign
    snapshot_count: int
    pending_count: int


@transaction.atomic
def close_campaign(campaign: AssessmentCampaign, *, by: Any) -> CampaignClosure:
    """Close the campaign and snapshot the ratings of every scenario it reviewed.

    Reviews still pending stay pending (the scenario's ratings are snapshotted as
    they stand); their number is reported and kept as the closing event's reason.
    """
    require(by, Action.CHANGE, campaign)
    pending = ReviewTask.objects.filter(campaign=campaign, status=TaskStatus.PENDING).count()
    reason = (
        ngettext(
            "%(count)d review was still pending.",
            "%(count)d reviews were still pending.",
            pending,
        )
        % {"count": pending}
        if pending
        else ""
    )
    CampaignWorkflow.apply(campaign, "close", by=by, reason=reason)
    now = timezone.now()
    AssessmentCampaign.objects.filter(pk=campaign.pk).update(closed_at=now)
    campaign.closed_at = now
    rows = RiskScenario.objects.filter(review_tasks__campaign=campaign).values(
        "pk",
        "unit__path",
        "inherent_likelihood",
        "inherent_impact",
        "inherent_level",
        "current_likelihood",
        "current_impact",
        "current_level",
        "target_likelihood",
        "target_impact",
        "target_level",
        "treatment",
    )
    paths: dict[int, str] = {}
    snapshots = []
    for row in rows.iterator(chunk_size=BULK_BATCH_SIZE):
        ratings: dict[str, Any] = dict(row)
        scenario_id: int = ratings.pop("pk")
        paths[scenario_id] = ratings.pop("unit__path")
        snapshots.append(RatingSnapshot(campaign=campaign, scenario_id=scenario_id, taken_at=now, **ratings))
    created = RatingSnapshot.objects.bulk_create(snapshots, batch_size=BULK_BATCH_SIZE)
    _record_created(created, by=by, scope_paths=paths)
    return CampaignClosure(campaign=campaign, snapshot_count=len(created), pending_count=pending)


# Recurrence ----------------------------------------------------------------------------------


def next_round_shift(campaign: AssessmentCampaign, today: dt.date) -> relativedelta | None:
    """How far the next round of a recurring campaign lies after this one: one period,
    or as many as bring it to the latest period start on or before `today` when several
    were missed (the scheduler was down), so that a catch-up opens the current round
    rather than stale ones. None for a campaign that does not recur."""
    step = RECURRENCE_STEPS.get(Recurrence(campaign.recurrence))
    if step is None:
        return None
    periods = 1
    while campaign.starts_on + step * (periods + 1) <= today:
        periods += 1
    return step * periods


def round_name(name: str, starts_on: dt.date) -> str:
    """A recurring round's name: the series name with the round's start date."""
    suffix = f" ({starts_on.isoformat()})"
    return ROUND_SUFFIX.sub("", name)[: NAME_LENGTH - len(suffix)] + suffix


@dataclass(frozen=True)
class OpenedRound:
    """A recurring campaign's new round, and why it did not start if it did not."""

    campaign: AssessmentCampaign
    started: bool
    problem: str = ""


def open_due_rounds(today: dt.date, *, by: Any = audit.SYSTEM_ACTOR) -> list[OpenedRound]:
    """Create and start the next round of every recurring campaign whose next period
    has come and that has no next round yet (so running twice opens nothing more).

    The round keeps the scope, participants and recurrence, with dates shifted by the
    recurrence. A round with nothing in scope stays a draft, and is reported.
    """
    opened = []
    candidates = (
        AssessmentCampaign.objects.filter(
            status__in=[CampaignStatus.RUNNING, CampaignStatus.CLOSED],
            recurrence__in=[Recurrence.QUARTERLY, Recurrence.YEARLY],
            next_round__isnull=True,
        )
        .select_related("unit")
        .prefetch_related("scope_units", "participants")
        .order_by("starts_on", "pk")
    )
    for campaign in candidates:
        shift = next_round_shift(campaign, today)
        if shift is None or campaign.starts_on + shift > today:
            continue
        starts_on = campaign.starts_on + shift
        with transaction.atomic():
            # Locked and checked again: two schedulers must not both open the round.
            locked = AssessmentCampaign.objects.select_for_update().get(pk=campaign.pk)
            if AssessmentCampaign.objects.filter(previous=locked).exists():
                continue
            round_ = create_campaign(
                by=by,
                name=round_name(campaign.name, starts_on),
                description=campaign.description,
                unit=campaign.unit,
                starts_on=starts_on,
                ends_on=campaign.ends_on + shift,
                scope_units=campaign.scope_units.all(),
                scope_asset_types=campaign.scope_asset_types,
                critical_systems_only=campaign.critical_systems_only,
                participants=campaign.participants.all(),
                recurrence=campaign.recurrence,
                previous=locked,
            )
            try:
                # A savepoint: a round that cannot start is still kept, as a draft.
                with transaction.atomic():
                    start_campaign(round_, by=by)
            except ValidationError as error:
                opened.append(OpenedRound(round_, started=False, problem=" ".join(error.messages)))
            else:
                opened.append(OpenedRound(round_, started=True))
    return opened
