"""Internal and external audits, their findings (nonconformities, observations,
opportunities), the corrective actions that answer them and the verification that
those actions worked. A failed control test opens a finding too, without an audit."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models.assessments import Assessment
from garrison.compliance.models.controls import OWNER_MAY_CHANGE, AppliedControl, ControlTest
from garrison.compliance.models.library import Framework, RequirementNode
from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class AuditKind(models.TextChoices):
    INTERNAL = "internal", _("Internal audit")
    EXTERNAL = "external", _("External audit")
    CERTIFICATION = "certification", _("Certification audit")
    SURVEILLANCE = "surveillance", _("Surveillance audit")
    REGULATORY = "regulatory", _("Regulatory inspection")


class AuditStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTING = "reporting", _("Reporting")
    CLOSED = "closed", _("Closed")


class Audit(models.Model):
    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="lead", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices, default=AuditKind.INTERNAL)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="audits"
    )
    lead = models.ForeignKey(
        "core.Person", verbose_name=_("audit lead"), on_delete=models.PROTECT, related_name="led_audits"
    )
    auditing_body = models.CharField(_("auditing body"), max_length=200, blank=True)
    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audits",
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audits",
    )
    scope_description = models.TextField(_("scope"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AuditStatus.choices, default=AuditStatus.PLANNED
    )
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class FindingKind(models.TextChoices):
    MAJOR = "major", _("Major nonconformity")
    MINOR = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")
    OPPORTUNITY = "opportunity", _("Opportunity for improvement")


NONCONFORMITY_KINDS = (FindingKind.MAJOR, FindingKind.MINOR)


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACTION_PLANNED = "action_planned", _("Action planned")
    VERIFYING = "verifying", _("Awaiting verification")
    CLOSED = "closed", _("Closed")


OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.ACTION_PLANNED, FindingStatus.VERIFYING)


class Finding(models.Model):
    """An audit finding or a nonconformity opened by a failed control test.

    Closed only through verification of effectiveness: the verifier records whether the
    corrective actions worked; when they did not, the finding opens again.
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="findings"
    )
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_findings"
    )
    audit = models.ForeignKey(
        Audit,
        verbose_name=_("audit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    requirement = models.ForeignKey(
        RequirementNode,
        verbose_name=_("requirement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    control = models.ForeignKey(
        AppliedControl,
        verbose_name=_("control"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    control_test = models.OneToOneField(
        ControlTest,
        verbose_name=_("control test"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nonconformity",
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_effective = models.BooleanField(_("actions effective"), null=True, blank=True)
    verification_notes = models.TextField(_("verification notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-raised_on", "reference"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [models.Index(fields=["status", "kind"], name="finding_status_kind")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class CorrectiveActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CORRECTIVE_STATUSES = (CorrectiveActionStatus.PLANNED, CorrectiveActionStatus.IN_PROGRESS)


class CorrectiveAction(models.Model):
    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE,
        unit_path="finding__unit__path",
        owner="owner",
        owner_actions=OWNER_MAY_CHANGE,
    )

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="corrective_actions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="corrective_actions"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CorrectiveActionStatus.choices,
        default=CorrectiveActionStatus.PLANNED,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        indexes = [models.Index(fields=["status", "due_on"], name="corrective_action_due")]

    def __str__(self) -> str:
        return self.title
