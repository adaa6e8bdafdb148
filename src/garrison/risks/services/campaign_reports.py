"""What assessment campaigns report: progress of the reviews, and rating trends across
closed campaigns (a recurring series, or any set), read from their snapshots.

Reads only. Each function takes an optional queryset narrowing what is counted to
what a person may see (`garrison.core.scoping.restrict`), every row by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.risks.heatmap import level_css_class
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
    RiskMatrix,
    RiskScenario,
    TaskStatus,
)

# Reading -------------------------------------------------------------------------------------


def campaigns_reviewed_by(person: Any) -> models.QuerySet[AssessmentCampaign]:
    """The campaigns `person` may see, and those they have a review task in: an owner
    reviewing in a campaign organised above their units may still pick it in a filter."""
    visible = restrict(AssessmentCampaign.objects.all(), person, Action.VIEW).values("pk")
    own = ReviewTask.objects.filter(assignee_id=getattr(person, "pk", None)).values("campaign_id")
    return AssessmentCampaign.objects.filter(Q(pk__in=visible) | Q(pk__in=own))


def with_task_counts(queryset: models.QuerySet[AssessmentCampaign]) -> models.QuerySet[AssessmentCampaign]:
    """Campaigns with `task_count`, `done_count` and `next_round_pk`, read in the same query
    (subqueries, so that the scoping filter on the campaign's unit is not multiplied)."""
    tasks = ReviewTask.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
    return queryset.annotate(
        task_count=Coalesce(Subquery(tasks.annotate(count=Count("pk")).values("count")), 0),
        done_count=Coalesce(
            Subquery(tasks.filter(status=TaskStatus.DONE).annotate(count=Count("pk")).values("count")), 0
        ),
        next_round_pk=Subquery(AssessmentCampaign.objects.filter(previous=OuterRef("pk")).values("pk")[:1]),
    )


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int
    unit_name: str
    done: int
    pending: int

    @property
    def total(self) -> int:
        return self.done + self.pending


@dataclass(frozen=True)
class CampaignProgress:
    """How far a campaign's reviews are: in all, and by the scenarios' units."""

    done: int
    pending: int
    by_unit: list[UnitProgress]

    @property
    def total(self) -> int:
        return self.done + self.pending

    @property
    def percent(self) -> int:
        """Done as a whole percentage (100 for a campaign with nothing to do)."""
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def percent_step(self) -> int:
        """`percent` rounded down to a step of ten, for a bar drawn with CSS classes."""
        return self.percent // 10 * 10


def campaign_progress(
    campaign: AssessmentCampaign, *, tasks: models.QuerySet[ReviewTask] | None = None
) -> CampaignProgress:
    """Done and pending reviews of `campaign`, by unit, in one query.

    `tasks` narrows the count to what a person may see (`restrict(...)`); all by default.
    """
    queryset = tasks if tasks is not None else ReviewTask.objects.all()
    rows = (
        queryset.filter(campaign=campaign)
        .order_by()
        .values("scenario__unit_id", "scenario__unit__name")
        .annotate(
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            pending=Count("pk", filter=Q(status=TaskStatus.PENDING)),
        )
        .order_by("scenario__unit__name", "scenario__unit_id")
    )
    by_unit = [
        UnitProgress(
            unit_id=row["scenario__unit_id"],
            unit_name=row["scenario__unit__name"],
            done=row["done"],
            pending=row["pending"],
        )
        for row in rows
    ]
    return CampaignProgress(
        done=sum(unit.done for unit in by_unit),
        pending=sum(unit.pending for unit in by_unit),
        by_unit=by_unit,
    )


def campaign_series(campaign: AssessmentCampaign) -> list[AssessmentCampaign]:
    """The rounds of `campaign`'s series up to it, oldest first (following `previous`)."""
    rounds = [campaign]
    seen = {campaign.pk}
    current = campaign
    while current.previous_id is not None and current.previous_id not in seen:
        previous = AssessmentCampaign.objects.select_related("unit").filter(pk=current.previous_id).first()
        if previous is None:
            break
        rounds.append(previous)
        seen.add(previous.pk)
        current = previous
    rounds.reverse()
    return rounds


# Trends --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelLabel:
    """A risk level as trend reports name it: its rank on the matrix, name and colour."""

    rank: int
    key: str
    name: str
    colour: str
    css_class: str


@dataclass(frozen=True)
class RoundCounts:
    """One closed campaign's snapshots counted per level rank, inherent and current."""

    campaign: AssessmentCampaign
    scenario_count: int
    inherent: dict[int, int]
    current: dict[int, int]


@dataclass(frozen=True)
class ScenarioChange:
    """One scenario's levels across the compared rounds (None where it was not assessed)."""

    scenario_id: int
    reference: str
    title: str
    inherent_levels: list[int | None]
    current_levels: list[int | None]

    @property
    def first_and_last(self) -> tuple[int | None, int | None]:
        assessed = [level for level in self.current_levels if level is not None]
        return (assessed[0], assessed[-1]) if assessed else (None, None)

    @property
    def direction(self) -> str:
        """ "raised", "lowered" or "unchanged": the current level, first round against last."""
        first, last = self.first_and_last
        if first is None or last is None or first == last:
            return "unchanged"
        return "raised" if last > first else "lowered"


@dataclass(frozen=True)
class CampaignTrend:
    """Ratings compared across closed campaigns, oldest first.

    `changes` lists the scenarios whose current level differs between rounds they were
    assessed in; `raised`/`lowered`/`unchanged` count, over the scenarios assessed in
    at least two rounds, the current level of their first round against their last.
    """

    rounds: list[RoundCounts]
    levels: list[LevelLabel]
    changes: list[ScenarioChange]
    raised: int
    lowered: int
    unchanged: int


def campaign_trend(
    campaigns: Iterable[AssessmentCampaign],
    *,
    snapshots: models.QuerySet[RatingSnapshot] | None = None,
) -> CampaignTrend:
    """Compare the snapshots of closed campaigns (a series, or any set), oldest first.

    `snapshots` narrows what is counted to what a person may see (`restrict(...)`);
    every snapshot by default. A campaign not yet closed has no snapshots: refused.
    """
    rounds = sorted(
        {campaign.pk: campaign for campaign in campaigns}.values(), key=lambda c: (c.starts_on, c.pk)
    )
    open_rounds = [campaign.name for campaign in rounds if campaign.status != CampaignStatus.CLOSED]
    if open_rounds:
        raise ValidationError(
            {
                "campaigns": [
                    _("Not closed yet, so nothing to compare: %(names)s.") % {"names": ", ".join(open_rounds)}
                ]
            }
        )
    ids = [campaign.pk for campaign in rounds]
    queryset = (snapshots if snapshots is not None else RatingSnapshot.objects.all()).filter(
        campaign_id__in=ids
    )
    position = {campaign_id: index for index, campaign_id in enumerate(ids)}
    inherent: dict[int, dict[int, int]] = {campaign_id: {} for campaign_id in ids}
    current: dict[int, dict[int, int]] = {campaign_id: {} for campaign_id in ids}
    totals: dict[int, int] = dict.fromkeys(ids, 0)
    levels_by_scenario: dict[int, tuple[list[int | None], list[int | None]]] = {}
    rows = queryset.order_by().values_list("campaign_id", "scenario_id", "inherent_level", "current_level")
    for campaign_id, scenario_id, inherent_level, current_level in rows.iterator(chunk_size=5000):
        inherent[campaign_id][inherent_level] = inherent[campaign_id].get(inherent_level, 0) + 1
        current[campaign_id][current_level] = current[campaign_id].get(current_level, 0) + 1
        totals[campaign_id] += 1
        inherent_levels, current_levels = levels_by_scenario.setdefault(
            scenario_id, ([None] * len(ids), [None] * len(ids))
        )
        inherent_levels[position[campaign_id]] = inherent_level
        current_levels[position[campaign_id]] = current_level
    raised = lowered = unchanged = 0
    changed_ids = []
    for scenario_id, (_inherent_levels, current_levels) in levels_by_scenario.items():
        assessed = [level for level in current_levels if level is not None]
        if len(assessed) < 2:
            continue
        if assessed[-1] > assessed[0]:
            raised += 1
        elif assessed[-1] < assessed[0]:
            lowered += 1
        else:
            unchanged += 1
        if len(set(assessed)) > 1:
            changed_ids.append(scenario_id)
    names = dict(
        (pk, (reference, title))
        for pk, reference, title in RiskScenario.objects.filter(pk__in=changed_ids).values_list(
            "pk", "reference", "title"
        )
    )
    changes = sorted(
        (
            ScenarioChange(
                scenario_id=scenario_id,
                reference=names.get(scenario_id, ("", ""))[0],
                title=names.get(scenario_id, ("", ""))[1],
                inherent_levels=levels_by_scenario[scenario_id][0],
                current_levels=levels_by_scenario[scenario_id][1],
            )
            for scenario_id in changed_ids
        ),
        key=lambda change: change.reference,
    )
    return CampaignTrend(
        rounds=[
            RoundCounts(
                campaign=campaign,
                scenario_count=totals[campaign.pk],
                inherent=inherent[campaign.pk],
                current=current[campaign.pk],
            )
            for campaign in rounds
        ],
        levels=_level_labels(ids),
        changes=changes,
        raised=raised,
        lowered=lowered,
        unchanged=unchanged,
    )


def _level_labels(campaign_ids: list[int]) -> list[LevelLabel]:
    """Names for level ranks, from the matrices the compared scenarios are rated on
    (the default matrix first where several name the same rank)."""
    matrices = RiskMatrix.objects.filter(
        Exists(RatingSnapshot.objects.filter(campaign_id__in=campaign_ids, scenario__matrix=OuterRef("pk")))
    ).order_by("-is_default", "pk")
    labels: dict[int, LevelLabel] = {}
    for matrix in matrices:
        for rank, level in enumerate(matrix.levels, start=1):
            if rank in labels:
                continue
            labels[rank] = LevelLabel(
                rank=rank,
                key=str(level.get("key", rank)),
                name=matrix.level_name(rank) or str(rank),
                colour=str(level.get("colour", "")),
                css_class=level_css_class(matrix, rank),
            )
    return [labels[rank] for rank in sorted(labels)]
