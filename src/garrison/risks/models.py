"""The risk register: matrices and threats (library data), scenarios with their ratings,
treatment plans, acceptances and the recurring assessment campaigns that re-rate them."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope
from garrison.risks.matrix import Level, Matrix

OWNER_MAY_CHANGE = frozenset({Action.VIEW, Action.CHANGE})


class RiskMatrix(models.Model):
    """A likelihood by impact grid that turns two ratings into a risk level.

    Library data (shipped in YAML or added by the organisation). `likelihood` and
    `impact` list the scale's steps from lowest to highest, each
    ``{"name": ..., "name_zh": ..., "description": ...}``; `levels` lists the risk
    levels from lowest to highest, each ``{"key", "name", "name_zh", "colour"}``;
    `grid[l][i]` is the 1-based rank in `levels` of likelihood l+1 and impact i+1.
    `appetite` is the highest level rank the organisation tolerates without treatment.
    garrison.risks.matrix reads these as a pure value.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.RISKS, unit_path=None, shared=True)

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    likelihood = models.JSONField(_("likelihood scale"))
    impact = models.JSONField(_("impact scale"))
    levels = models.JSONField(_("risk levels"))
    grid = models.JSONField(_("grid"))
    appetite = models.PositiveSmallIntegerField(
        _("risk appetite"),
        validators=[MinValueValidator(1)],
        help_text=_("The highest risk level tolerated without a treatment."),
    )
    is_default = models.BooleanField(_("default matrix"), default=False)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")

    def __str__(self) -> str:
        return self.name

    def as_matrix(self) -> Matrix:
        """The pure value that rates scenarios (MatrixError when the stored shape is malformed)."""
        return Matrix.from_data(
            likelihood=self.likelihood,
            impact=self.impact,
            levels=self.levels,
            grid=self.grid,
            appetite=self.appetite,
        )

    def level(self, rank: int | None) -> Level | None:
        """The level of rank `rank` on this matrix (None for no rank or an unknown one)."""
        if rank is None or not 1 <= rank <= len(self.levels):
            return None
        level = self.levels[rank - 1]
        return Level(
            key=str(level.get("key", "")),
            name=str(level.get("name", "")),
            name_zh=str(level.get("name_zh", "")),
            colour=str(level.get("colour", "")),
        )

    def level_name(self, rank: int | None) -> str:
        """The level's name in the active language (Chinese when there is one and it is active)."""
        level = self.level(rank)
        if level is None:
            return ""
        if level.name_zh and (get_language() or "").startswith("zh"):
            return level.name_zh
        return level.name

    def step_names(self, scale: str) -> list[str]:
        """The names of the `likelihood` or `impact` steps, lowest first, in the active language."""
        chinese = (get_language() or "").startswith("zh")
        names = []
        for number, step in enumerate(getattr(self, scale), start=1):
            name = step.get("name_zh") if chinese and step.get("name_zh") else step.get("name")
            names.append(str(name or number))
        return names


class Threat(models.Model):
    """Something that could harm assets: power loss, ransomware, a compromised supplier.

    Library data: the shipped catalogue plus the organisation's own additions.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.RISKS, unit_path=None, shared=True)

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    reference = models.CharField(_("reference"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("Chinese description"), blank=True)
    library_urn = models.CharField(_("library"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("threat")
        verbose_name_plural = _("threats")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class Treatment(models.TextChoices):
    UNTREATED = "untreated", _("Not yet decided")
    MITIGATE = "mitigate", _("Mitigate")
    ACCEPT = "accept", _("Accept")
    TRANSFER = "transfer", _("Transfer")
    AVOID = "avoid", _("Avoid")


class ScenarioStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    CLOSED = "closed", _("Closed")


class RiskScenario(models.Model):
    """A way things could go wrong for the organisation: which threats, against which
    assets, how likely and how bad, before any control (inherent), today (current,
    also called residual) and once the treatment plan is done (target).

    Levels are stored beside their ratings as the 1-based rank on the matrix, so that
    the register sorts and the heat map aggregates without reading the matrix. The
    controls that already reduce the risk are linked from the compliance app's
    applied controls (`related_name="controls"`, ADR 0009); until a control library is
    in place `existing_controls` describes them in words.
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.RISKS, unit_path="unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="risk_scenarios"
    )
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("risk owner"), on_delete=models.PROTECT, related_name="owned_risks"
    )
    matrix = models.ForeignKey(
        RiskMatrix, verbose_name=_("risk matrix"), on_delete=models.PROTECT, related_name="scenarios"
    )
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("assets"), blank=True, related_name="risk_scenarios"
    )
    threats = models.ManyToManyField(Threat, verbose_name=_("threats"), blank=True, related_name="scenarios")
    existing_controls = models.TextField(_("existing controls"), blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood"))
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"))
    inherent_level = models.PositiveSmallIntegerField(_("inherent level"), editable=False)
    current_likelihood = models.PositiveSmallIntegerField(_("current likelihood"))
    current_impact = models.PositiveSmallIntegerField(_("current impact"))
    current_level = models.PositiveSmallIntegerField(_("current level"), editable=False)
    target_likelihood = models.PositiveSmallIntegerField(_("target likelihood"), null=True, blank=True)
    target_impact = models.PositiveSmallIntegerField(_("target impact"), null=True, blank=True)
    target_level = models.PositiveSmallIntegerField(_("target level"), null=True, blank=True, editable=False)
    treatment = models.CharField(
        _("treatment"), max_length=20, choices=Treatment.choices, default=Treatment.UNTREATED
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ScenarioStatus.choices, default=ScenarioStatus.OPEN
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("risk scenario")
        verbose_name_plural = _("risk scenarios")
        # The register sorts by residual level, highest first; the heat map and the cell
        # filters group by rating, and scoped lists filter by unit or owner: the cell
        # indexes carry both so that a unit-scoped heat map reads no table row
        # (benchmarks/risk_register.py, docs/performance.md).
        indexes = [
            models.Index(fields=["-current_level", "reference"], name="risk_current_level"),
            models.Index(fields=["-inherent_level", "reference"], name="risk_inherent_level"),
            models.Index(
                fields=["matrix", "current_likelihood", "current_impact", "unit", "owner"],
                name="risk_current_cell",
            ),
            models.Index(
                fields=["matrix", "inherent_likelihood", "inherent_impact", "unit", "owner"],
                name="risk_inherent_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    # Level display: read from the scenario's matrix (select_related("matrix") in lists).

    @property
    def inherent_level_name(self) -> str:
        return self.matrix.level_name(self.inherent_level)

    @property
    def current_level_name(self) -> str:
        return self.matrix.level_name(self.current_level)

    @property
    def target_level_name(self) -> str:
        return self.matrix.level_name(self.target_level)

    @property
    def is_above_appetite(self) -> bool:
        """Whether the current (residual) level is above what the organisation tolerates."""
        return self.current_level > self.matrix.appetite

    @property
    def is_above_appetite_without_treatment(self) -> bool:
        return self.is_above_appetite and self.treatment == Treatment.UNTREATED

    # The links as text, for exports (prefetch_related("assets", "threats") first).

    @property
    def asset_references(self) -> str:
        return ", ".join(sorted(asset.reference for asset in self.assets.all()))

    @property
    def threat_references(self) -> str:
        return ", ".join(sorted(threat.reference for threat in self.threats.all()))


def above_appetite(
    queryset: models.QuerySet[RiskScenario], untreated_only: bool = False
) -> models.QuerySet[RiskScenario]:
    """The scenarios whose current level is above their matrix's appetite; with
    `untreated_only`, only those nobody has decided a treatment for yet (the ones the
    register flags)."""
    queryset = queryset.filter(current_level__gt=F("matrix__appetite"))
    if untreated_only:
        queryset = queryset.filter(treatment=Treatment.UNTREATED)
    return queryset


def overdue_actions(today: dt.date | None = None) -> models.QuerySet[TreatmentAction]:
    """Treatment actions still open after their due date."""
    return TreatmentAction.objects.filter(
        status__in=OPEN_ACTION_STATUSES, due_on__lt=today or timezone.localdate()
    )


def has_overdue_action(today: dt.date | None = None) -> Exists:
    """An expression: the scenario has at least one overdue treatment action."""
    return Exists(overdue_actions(today).filter(scenario=OuterRef("pk")))


def overdue(
    queryset: models.QuerySet[RiskScenario], today: dt.date | None = None, *, is_overdue: bool = True
) -> models.QuerySet[RiskScenario]:
    """The scenarios with at least one overdue treatment action (or, with `is_overdue`
    False, those without). A list subquery, read once, rather than a check per row."""
    late = overdue_actions(today).values("scenario_id")
    return queryset.filter(pk__in=late) if is_overdue else queryset.exclude(pk__in=late)


def with_flags(
    queryset: models.QuerySet[RiskScenario], today: dt.date | None = None
) -> models.QuerySet[RiskScenario]:
    """Annotate `is_overdue` per row in the same query, for lists and exports."""
    return queryset.annotate(is_overdue=has_overdue_action(today))


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class TreatmentAction(models.Model):
    """One step of a scenario's treatment plan, with the person who owes it and when."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.RISKS, unit_path="scenario__unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    scenario = models.ForeignKey(
        RiskScenario, verbose_name=_("risk scenario"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="treatment_actions"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("treatment action")
        verbose_name_plural = _("treatment actions")
        indexes = [
            models.Index(fields=["status", "due_on"], name="treatment_action_due"),
            # Whether one scenario has an overdue action (a flag on every register row).
            models.Index(fields=["scenario", "status", "due_on"], name="treatment_action_scenario"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.status in OPEN_ACTION_STATUSES and self.due_on < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class AcceptanceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class RiskAcceptance(models.Model):
    """A request to live with a risk until a date, and the decision on it.

    Decided by someone with the authority to accept risks over the scenario's unit,
    never by the person who asked. When an approved acceptance expires, the scenario
    goes back to review. The scenario's owner sees the acceptances of their scenario,
    whatever their roles, since they are the one asking and told of the decision.
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.RISKS, unit_path="scenario__unit__path", owner="scenario__owner"
    )

    scenario = models.ForeignKey(
        RiskScenario, verbose_name=_("risk scenario"), on_delete=models.CASCADE, related_name="acceptances"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AcceptanceStatus.choices, default=AcceptanceStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        "core.Person", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    justification = models.TextField(_("justification"))
    expires_on = models.DateField(_("expires on"))
    decided_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        indexes = [models.Index(fields=["status", "expires_on"], name="risk_acceptance_expiry")]

    def __str__(self) -> str:
        return f"{self.scenario.reference} ({self.get_status_display()})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class Recurrence(models.TextChoices):
    NONE = "none", _("Once")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class AssessmentCampaign(models.Model):
    """A round of risk assessment: over a scope (units, asset types, critical systems)
    and a period, every scenario owner reviews and re-rates their scenarios. Closing it
    keeps a snapshot of every rating, so trends across campaigns can be reported.
    A recurring campaign's next round is opened by the scheduler.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.RISKS, unit_path="unit__path")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="risk_campaigns",
    )
    scope_units = models.ManyToManyField(
        "core.OrgUnit", verbose_name=_("units in scope"), blank=True, related_name="+"
    )
    scope_asset_types = models.JSONField(_("asset types in scope"), default=list, blank=True)
    critical_systems_only = models.BooleanField(_("critical information systems only"), default=False)
    participants = models.ManyToManyField(
        "core.Person", verbose_name=_("participants"), blank=True, related_name="risk_campaigns"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    recurrence = models.CharField(
        _("recurrence"), max_length=20, choices=Recurrence.choices, default=Recurrence.NONE
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_round",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("assessment campaign")
        verbose_name_plural = _("assessment campaigns")

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class ReviewTask(models.Model):
    """A scenario owner's task in a campaign: review the scenario and re-rate it."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.RISKS,
        unit_path="scenario__unit__path",
        owner="assignee",
        owner_actions=OWNER_MAY_CHANGE,
    )

    campaign = models.ForeignKey(
        AssessmentCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="tasks"
    )
    scenario = models.ForeignKey(
        RiskScenario, verbose_name=_("risk scenario"), on_delete=models.CASCADE, related_name="review_tasks"
    )
    assignee = models.ForeignKey(
        "core.Person", verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="risk_review_tasks"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "scenario__reference"]
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scenario"], name="review_task_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.scenario.reference}"


class RatingSnapshot(models.Model):
    """A scenario's ratings as they stood when a campaign closed: the data of trend reports."""

    scope: ClassVar[Scope] = Scope(domain=Domain.RISKS, unit_path="scenario__unit__path")

    campaign = models.ForeignKey(
        AssessmentCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="snapshots"
    )
    scenario = models.ForeignKey(
        RiskScenario, verbose_name=_("risk scenario"), on_delete=models.CASCADE, related_name="snapshots"
    )
    taken_at = models.DateTimeField(_("taken at"))
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    inherent_level = models.PositiveSmallIntegerField()
    current_likelihood = models.PositiveSmallIntegerField()
    current_impact = models.PositiveSmallIntegerField()
    current_level = models.PositiveSmallIntegerField()
    target_likelihood = models.PositiveSmallIntegerField(null=True)
    target_impact = models.PositiveSmallIntegerField(null=True)
    target_level = models.PositiveSmallIntegerField(null=True)
    treatment = models.CharField(max_length=20, choices=Treatment.choices)

    class Meta:
        ordering = ["campaign", "scenario"]
        verbose_name = _("rating snapshot")
        verbose_name_plural = _("rating snapshots")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scenario"], name="rating_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.scenario_id}"
