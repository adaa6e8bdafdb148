"""Assessments: how far one part of the organisation meets one framework, requirement by
requirement, with the controls and evidence behind each result."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models.controls import OWNER_MAY_CHANGE, AppliedControl
from garrison.compliance.models.library import Framework, RequirementNode
from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class AssessmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Assessment(models.Model):
    """A framework assessed over a scope (a unit and its subtree, described in words):
    every assessable requirement of the framework gets one result row."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="lead", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="assessments"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments"
    )
    scope_description = models.TextField(_("scope"), blank=True)
    lead = models.ForeignKey(
        "core.Person",
        verbose_name=_("lead assessor"),
        on_delete=models.PROTECT,
        related_name="led_assessments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "reference"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class Result(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    COMPLIANT = "compliant", _("Compliant")
    PARTIAL = "partial", _("Partially compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class RequirementResult(models.Model):
    """The result of one assessable requirement in one assessment.

    `is_inferred` marks a result proposed from a mapped framework's assessment
    (`inferred_from` names the result it came from); it counts only once a person
    confirms it. A not-applicable result needs a justification (the Statement of
    Applicability prints it).
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE,
        unit_path="assessment__unit__path",
        owner="assessment__lead",
        owner_actions=OWNER_MAY_CHANGE,
    )

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="results"
    )
    requirement = models.ForeignKey(
        RequirementNode, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="results"
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.NOT_ASSESSED)
    justification = models.TextField(_("justification"), blank=True)
    controls = models.ManyToManyField(
        AppliedControl, verbose_name=_("controls"), blank=True, related_name="requirement_results"
    )
    evidence = models.ManyToManyField(
        "compliance.Evidence", verbose_name=_("evidence"), blank=True, related_name="requirement_results"
    )
    is_inferred = models.BooleanField(_("inferred"), default=False)
    inferred_from = models.ForeignKey(
        "self",
        verbose_name=_("inferred from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assessed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "requirement__order"]
        verbose_name = _("requirement result")
        verbose_name_plural = _("requirement results")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "requirement"], name="requirement_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.requirement} — {self.get_result_display()}"
