"""Classification of suppliers: status changes under four eyes, rectification plans, and
the organisation's supplier policy (score bands, reminder thresholds)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope
from garrison.suppliers.models.assessment import StandingBand
from garrison.suppliers.models.master import (
    MANAGER_MAY_CHANGE,
    SUPPLIER_LIBRARY_SCOPE,
    SUPPLIER_RECORD_SCOPE,
    Supplier,
    SupplierStatus,
)


class SupplierPolicy(models.Model):
    """The organisation's supplier policy (one row): where the score bands start, which
    standing proposes a downgrade, when document reminders go out, how strict screening is."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    excellent_from = models.DecimalField(_("excellent from"), max_digits=5, decimal_places=2, default=90)
    good_from = models.DecimalField(_("good from"), max_digits=5, decimal_places=2, default=75)
    acceptable_from = models.DecimalField(_("acceptable from"), max_digits=5, decimal_places=2, default=60)
    downgrade_below = models.CharField(
        _("propose a downgrade below"),
        max_length=20,
        choices=StandingBand.choices,
        default=StandingBand.ACCEPTABLE,
        help_text=_(
            "A scorecard whose standing is below this band proposes moving the supplier to rectifying."
        ),
    )
    document_reminder_days = models.JSONField(_("remind before document expiry (days)"), default=list)
    screening_threshold = models.PositiveSmallIntegerField(
        _("screening match threshold (0 to 100)"), default=90
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("supplier policy")
        verbose_name_plural = _("supplier policies")

    def __str__(self) -> str:
        return str(_("Supplier policy"))


class StatusChangeState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StatusChangeSource(models.TextChoices):
    MANUAL = "manual", _("Proposed by a person")
    SCORECARD = "scorecard", _("Scorecard below the band")
    SCREENING = "screening", _("Confirmed screening match")
    ACCESS = "access", _("Access decision")
    RECTIFICATION = "rectification", _("Completed rectification")
    RELEASE = "release", _("Suspension release date")
    EXPRESS_LAPSE = "express_lapse", _("Express access lapsed")


class StatusChange(models.Model):
    """A proposed change of a supplier's status; it takes effect when someone other than
    the proposer approves it. Changes the system makes itself (an approved access
    application, a lapsed express access, a release date reached) are recorded approved."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=SupplierStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=SupplierStatus.choices)
    reason = models.TextField(_("reason"))
    source = models.CharField(
        _("source"), max_length=20, choices=StatusChangeSource.choices, default=StatusChangeSource.MANUAL
    )
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=StatusChangeState.choices, default=StatusChangeState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=models.Q(state="proposed"),
                name="one_open_status_change_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier.reference}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class RectificationPlan(models.Model):
    """What a substandard supplier must put right, by when; completing it opens the way
    back to qualified."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="rectification_plans"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    due_on = models.DateField(_("due on"))
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("follow-up owner"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("rectification plan")
        verbose_name_plural = _("rectification plans")

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class RectificationAction(models.Model):
    """One action of a rectification plan, with its deadline and follow-up notes."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.SUPPLIERS,
        unit_path="plan__supplier__unit__path",
        owner="plan__supplier__manager",
        owner_actions=MANAGER_MAY_CHANGE,
    )

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    follow_up = models.TextField(_("follow-up notes"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("rectification action")
        verbose_name_plural = _("rectification actions")

    def __str__(self) -> str:
        return self.description
