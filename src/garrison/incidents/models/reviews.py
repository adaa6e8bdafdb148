"""The post-incident review: root cause, lessons learned and the corrective actions that
follow, linked to the risks and controls they change."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope
from garrison.incidents.models.cases import CASE_RECORD_SCOPE, HANDLER_MAY_CHANGE, Incident


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class PostIncidentReview(models.Model):
    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.OneToOneField(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="review"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    summary = models.TextField(_("summary"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    what_went_well = models.TextField(_("what went well"), blank=True)
    what_to_improve = models.TextField(_("what to improve"), blank=True)
    review_date = models.DateField(_("review meeting"), null=True, blank=True)
    participants = models.ManyToManyField(
        "core.Person", verbose_name=_("participants"), blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return f"{self.incident.reference} review"


class ReviewActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewAction(models.Model):
    """A corrective action decided in the review."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.INCIDENTS,
        unit_path="review__incident__unit__path",
        owner="owner",
        owner_actions=HANDLER_MAY_CHANGE,
    )

    review = models.ForeignKey(
        PostIncidentReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "core.Person",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="incident_review_actions",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewActionStatus.choices, default=ReviewActionStatus.OPEN
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    risks = models.ManyToManyField(
        "risks.RiskScenario", verbose_name=_("risks"), blank=True, related_name="incident_actions"
    )
    controls = models.ManyToManyField(
        "compliance.AppliedControl", verbose_name=_("controls"), blank=True, related_name="incident_actions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return self.title
