"""Penetration tests and exceptions to the remediation of findings."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class TesterKind(models.TextChoices):
    INTERNAL = "internal", _("Internal team")
    SUPPLIER = "supplier", _("Supplier")


class PenetrationTestStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Testing")
    REPORTING = "reporting", _("Reporting")
    RETESTING = "retesting", _("Retesting")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PenetrationTest(models.Model):
    """An engagement in which testers (the organisation's own team or a supplier) attack
    the assets in its scope; its findings are entered by hand or imported, and fixed
    findings are retested before it closes."""

    scope: ClassVar[Scope] = Scope(domain=Domain.VULNERABILITIES, unit_path="unit__path", owner="owner")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    scope_description = models.TextField(_("scope"), blank=True)
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("assets in scope"), blank=True, related_name="penetration_tests"
    )
    tester_kind = models.CharField(
        _("tested by"), max_length=20, choices=TesterKind.choices, default=TesterKind.INTERNAL
    )
    tester_team = models.CharField(_("testing team"), max_length=200, blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        verbose_name=_("testing supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penetration_tests",
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PenetrationTestStatus.choices,
        default=PenetrationTestStatus.PLANNED,
    )
    owner = models.ForeignKey(
        "core.Person",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_penetration_tests",
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary"), blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("penetration test")
        verbose_name_plural = _("penetration tests")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ExceptionKind(models.TextChoices):
    RISK_ACCEPTANCE = "risk_acceptance", _("Risk acceptance")
    FALSE_POSITIVE = "false_positive", _("False positive")


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class FindingException(models.Model):
    """A request to stop a finding's SLA clock: its risk is accepted until a date, or it is
    a false positive. Decided by someone who may approve in the vulnerability domain, never
    by the person who asked; when an accepted risk expires the finding is open again."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.VULNERABILITIES, unit_path="finding__unit__path", owner="requested_by"
    )

    finding = models.ForeignKey(
        "vulns.Finding",
        verbose_name=pgettext_lazy("vulnerability", "finding"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind.choices)
    justification = models.TextField(_("justification"))
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    risk = models.ForeignKey(
        "risks.RiskScenario",
        verbose_name=_("accepted risk"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finding_exceptions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        "core.Person", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("finding exception")
        verbose_name_plural = _("finding exceptions")
        indexes = [models.Index(fields=["status", "expires_on"], name="finding_exception_expiry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.finding_id}"
