"""The certification register: certificates, attestation reports and filings the
organisation holds (ISO/IEC 27001, SOC 2, MLPS filing …), with their surveillance and
recertification audits."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models.assessments import Assessment
from garrison.compliance.models.audits import Audit
from garrison.compliance.models.controls import OWNER_MAY_CHANGE
from garrison.compliance.models.library import Framework
from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class Scheme(models.TextChoices):
    ISO27001 = "iso27001", _("ISO/IEC 27001 certification")
    ISO20000 = "iso20000", _("ISO/IEC 20000-1 certification")
    ISO27018 = "iso27018", _("ISO/IEC 27018 certification")
    SOC1 = "soc1", _("SOC 1 report")
    SOC2 = "soc2", _("SOC 2 report")
    SOC3 = "soc3", _("SOC 3 report")
    TRUCS = "trucs", _("Trusted Cloud (TRUCS)")
    MLPS_FILING = "mlps_filing", _("MLPS filing")
    MLPS_ASSESSMENT = "mlps_assessment", _("MLPS annual level assessment")
    CCRC = "ccrc", _("CCRC service certification")
    OTHER = "other", _("Other")


class CertificationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Certification(models.Model):
    """One certificate or report for one period. A renewal is a new row of the same
    scheme and scope; the years held in a row are computed from these rows."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    scheme = models.CharField(_("scheme"), max_length=30, choices=Scheme.choices)
    name = models.CharField(_("name"), max_length=300)
    scope_description = models.TextField(_("scope"))
    body = models.CharField(_("certification body"), max_length=200)
    number = models.CharField(_("certificate number"), max_length=120, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(
        _("status"), max_length=20, choices=CertificationStatus.choices, default=CertificationStatus.ACTIVE
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="certifications"
    )
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_certifications"
    )
    framework = models.ForeignKey(
        Framework,
        verbose_name=_("framework"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certifications",
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certifications",
    )
    certificate_file = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("certificate file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["expires_on", "name"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        indexes = [models.Index(fields=["scheme", "issued_on"], name="certification_history")]

    def __str__(self) -> str:
        return self.name


class SurveillanceKind(models.TextChoices):
    SURVEILLANCE = "surveillance", _("Surveillance audit")
    RECERTIFICATION = "recertification", _("Recertification audit")
    ANNUAL_ASSESSMENT = "annual_assessment", _("Annual assessment")


class SurveillanceAudit(models.Model):
    """A dated audit a certification depends on (the yearly surveillance visit)."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE,
        unit_path="certification__unit__path",
        owner="certification__owner",
        owner_actions=OWNER_MAY_CHANGE,
    )

    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        on_delete=models.CASCADE,
        related_name="surveillance_audits",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=SurveillanceKind.choices, default=SurveillanceKind.SURVEILLANCE
    )
    due_on = models.DateField(_("planned date"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    audit = models.ForeignKey(
        Audit, verbose_name=_("audit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("surveillance audit")
        verbose_name_plural = _("surveillance audits")

    def __str__(self) -> str:
        return f"{self.certification} — {self.get_kind_display()} {self.due_on.isoformat()}"
