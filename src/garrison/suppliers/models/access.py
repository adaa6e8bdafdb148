"""Supplier access: the standard path through the full selection chain, and express access."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope
from garrison.suppliers.models.master import (
    MANAGER_MAY_CHANGE,
    SUPPLIER_LIBRARY_SCOPE,
    SUPPLIER_RECORD_SCOPE,
    AccessPath,
    Supplier,
)


class AccessStage(models.TextChoices):
    """The seed's full-chain selection model, in order."""

    QUALIFICATION_REVIEW = "qualification_review", _("Qualification review")
    ON_SITE_INSPECTION = "on_site_inspection", _("On-site inspection")
    INTERNAL_ASSESSMENT = "internal_assessment", _("Internal assessment and testing")
    SHORTLIST_ANNOUNCEMENT = "shortlist_announcement", _("Shortlist announcement")
    FINAL_SELECTION = "final_selection", _("Final selection")


STAGE_ORDER: tuple[str, ...] = tuple(AccessStage.values)


class AccessPathConfig(models.Model):
    """Which stages and documents a path requires (configuration, one row per path).

    `stages` is an ordered subset of AccessStage values; `required_documents` a list of
    DocumentKind values the supplier must hold (unexpired) before final selection.
    Express access also sets how many days the complete review may take and the highest
    contract value it may be used for."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    path = models.CharField(_("access path"), max_length=20, choices=AccessPath.choices, unique=True)
    stages = models.JSONField(_("stages"), default=list)
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("publicity period (days)"), default=5)
    full_review_days = models.PositiveSmallIntegerField(
        _("days to complete the full review"), null=True, blank=True
    )
    value_limit_cny = models.DecimalField(
        _("highest contract value (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("access path configuration")
        verbose_name_plural = _("access path configurations")

    def __str__(self) -> str:
        return str(self.get_path_display())


class ApplicationStatus(models.TextChoices):
    QUALIFICATION_REVIEW = "qualification_review", _("Qualification review")
    ON_SITE_INSPECTION = "on_site_inspection", _("On-site inspection")
    INTERNAL_ASSESSMENT = "internal_assessment", _("Internal assessment and testing")
    SHORTLIST_ANNOUNCEMENT = "shortlist_announcement", _("Shortlist announcement")
    FINAL_SELECTION = "final_selection", _("Final selection")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")


ACTIVE_APPLICATION_STATUSES = tuple(STAGE_ORDER)
FINISHED_APPLICATION_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.LAPSED,
)


class AccessApplication(models.Model):
    """One run of a supplier through an access path (ACC-000001 …).

    `status` is the stage the application stands at, then its outcome; it moves only
    through garrison.suppliers.workflows.AccessWorkflow. `stages` copies the path's
    configured stages when the application starts, so a later change of configuration does
    not move the goal posts of an application under way. An approved express application
    qualifies the supplier until `full_review_due`; a standard application approved by then
    completes the review, otherwise the express access lapses."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="access_applications"
    )
    path = models.CharField(_("access path"), max_length=20, choices=AccessPath.choices)
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.QUALIFICATION_REVIEW,
    )
    stages = models.JSONField(_("stages"), default=list)
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    justification = models.TextField(_("why this path"), blank=True)
    contract_value_cny = models.DecimalField(
        _("expected contract value (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    publicity_starts_at = models.DateTimeField(_("publicity starts"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends"), null=True, blank=True)
    full_review_due = models.DateField(_("complete review due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access application")
        verbose_name_plural = _("access applications")

    def __str__(self) -> str:
        return f"{self.reference} {self.get_path_display()}"


# Records of an application are read and changed with the supplier.
APPLICATION_RECORD_SCOPE = Scope(
    domain=Domain.SUPPLIERS,
    unit_path="application__supplier__unit__path",
    owner="application__supplier__manager",
    owner_actions=MANAGER_MAY_CHANGE,
)


class StageOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class StageRecord(models.Model):
    """What one stage of an application found: who decided, when, on what evidence."""

    scope: ClassVar[Scope] = APPLICATION_RECORD_SCOPE

    application = models.ForeignKey(
        AccessApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="stage_records",
    )
    stage = models.CharField(_("stage"), max_length=30, choices=AccessStage.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=StageOutcome.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("findings"), blank=True)
    evidence = models.ManyToManyField(
        "core.Attachment", verbose_name=_("evidence"), blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.Person", verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("stage record")
        verbose_name_plural = _("stage records")
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="stage_record_once_per_application")
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.get_outcome_display()}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection lodged during a shortlist's publicity period; it must be resolved
    before final selection. Objectors are often outside the organisation, so they are
    named rather than linked."""

    scope: ClassVar[Scope] = APPLICATION_RECORD_SCOPE

    application = models.ForeignKey(
        AccessApplication, verbose_name=_("application"), on_delete=models.CASCADE, related_name="objections"
    )
    objector = models.CharField(_("lodged by"), max_length=300)
    contact = models.CharField(_("objector's contact"), max_length=300, blank=True)
    grounds = models.TextField(_("grounds"))
    lodged_at = models.DateTimeField(_("lodged at"))
    recorded_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["lodged_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.objector}: {self.grounds[:60]}"
