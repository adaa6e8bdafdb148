"""Findings: a weakness found on an asset (or in code, an image, a repository) by a
scanner or a penetration tester, with its severity, its SLA clock and its history."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.roles import Domain
from garrison.core.scoping import Scope

# Reference data of the domain (the policy): read by everyone with the domain, changed by
# whoever may change it over the whole organisation.
VULNERABILITY_LIBRARY_SCOPE = Scope(domain=Domain.VULNERABILITIES, unit_path=None, shared=True)


class Severity(models.IntegerChoices):
    """Ordered so that lists sort and filter on the number."""

    INFO = 0, _("Informational")
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted")
    FALSE_POSITIVE = "false_positive", _("False positive")


# Statuses whose SLA clock runs and that re-scans may mark fixed.
ACTIVE_STATUSES = (FindingStatus.OPEN,)


class Source(models.TextChoices):
    """Where a finding came from: a scanner's file format, or a person."""

    NESSUS = "nessus", "Nessus"
    OPENVAS = "openvas", "OpenVAS / GVM"
    TRIVY = "trivy", "Trivy"
    SARIF = "sarif", "SARIF"
    NMAP = "nmap", "Nmap"
    CSV = "csv", _("CSV")
    MANUAL = "manual", _("Entered by hand")


class RetestStatus(models.TextChoices):
    NONE = "", _("Not requested")
    REQUESTED = "requested", _("Retest requested")
    PASSED = "passed", _("Retest passed")
    FAILED = "failed", _("Retest failed")


class VulnerabilityPolicy(models.Model):
    """The organisation's vulnerability policy (one row): the SLA in days per severity,
    the window in which a critical information system must have been scanned, and how
    often it must have had a penetration test."""

    scope: ClassVar[Scope] = VULNERABILITY_LIBRARY_SCOPE

    critical_days = models.PositiveSmallIntegerField(_("SLA for critical findings (days)"), default=7)
    high_days = models.PositiveSmallIntegerField(_("SLA for high findings (days)"), default=30)
    medium_days = models.PositiveSmallIntegerField(_("SLA for medium findings (days)"), default=90)
    low_days = models.PositiveSmallIntegerField(_("SLA for low findings (days)"), default=180)
    scan_window_days = models.PositiveSmallIntegerField(_("scan critical systems every (days)"), default=30)
    penetration_test_period_days = models.PositiveSmallIntegerField(
        _("penetration-test critical systems every (days)"), default=365
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vulnerability policy")
        verbose_name_plural = _("vulnerability policies")

    def __str__(self) -> str:
        return str(_("Vulnerability policy"))


class Finding(models.Model):
    """One weakness in one place: a scanner rule or CVE on an asset's port, in a package of
    an image, at a line of a repository. Re-scans find it again by its fingerprint.

    `unit` is the unit of the asset it was found on, or for a finding without an asset
    (code, images) the unit the import was made for; it scopes who sees the finding.
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.VULNERABILITIES, unit_path="unit__path", owner="asset__owner"
    )

    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=500)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # The name under which re-imports of a full scan replace each other; blank for findings
    # that no scan can mark fixed (entered by hand, or imported without a scope).
    scan_scope = models.CharField(_("scan scope"), max_length=100, blank=True)
    rule_id = models.CharField(_("scanner rule"), max_length=200, blank=True)
    cve_ids = models.JSONField(_("CVE identifiers"), default=list, blank=True)
    # The first CVE, for an indexed search; all of them are in `cve_ids`.
    cve = models.CharField(_("CVE"), max_length=30, blank=True, db_index=True)
    cwe_ids = models.JSONField(_("CWE identifiers"), default=list, blank=True)
    # Indexed by finding_asset_status, whose first column it is.
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        db_index=False,
    )
    host = models.CharField(_("host"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    protocol = models.CharField(_("protocol"), max_length=10, blank=True)
    service = models.CharField(_("service"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=1000, blank=True)
    component = models.CharField(_("component"), max_length=300, blank=True)
    component_version = models.CharField(_("component version"), max_length=100, blank=True)
    fixed_version = models.CharField(_("fixed in version"), max_length=200, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    scanner_severity = models.CharField(_("scanner severity"), max_length=30, blank=True)
    cvss_version = models.CharField(_("CVSS version"), max_length=5, blank=True)
    cvss_vector = models.CharField(_("CVSS vector"), max_length=200, blank=True)
    cvss_score = models.DecimalField(_("CVSS score"), max_digits=3, decimal_places=1, null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    first_seen_at = models.DateTimeField(_("first seen"))
    # When the current SLA clock started: first seen, or reopened.
    opened_at = models.DateTimeField(_("opened"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    # A digest of what the scanner reported (title, severity, texts, CVSS …): a re-scan
    # compares it instead of reading every text column back.
    content_digest = models.CharField(max_length=64, blank=True, editable=False)
    penetration_test = models.ForeignKey(
        "vulns.PenetrationTest",
        verbose_name=_("penetration test"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    retest_status = models.CharField(
        _("retest"), max_length=20, choices=RetestStatus.choices, default=RetestStatus.NONE, blank=True
    )
    risks = models.ManyToManyField(
        "risks.RiskScenario", verbose_name=_("risks"), blank=True, related_name="findings"
    )
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name=_("incidents"), blank=True, related_name="findings"
    )
    # The overdue reminder already sent for the current due date, so the daily job sends one.
    overdue_notified_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-severity", "due_on", "id"]
        verbose_name = pgettext_lazy("vulnerability", "finding")
        verbose_name_plural = pgettext_lazy("vulnerability", "findings")
        indexes = [
            models.Index(fields=["status", "-severity", "due_on"], name="finding_status_severity"),
            models.Index(fields=["scan_scope", "status"], name="finding_scope_status"),
            models.Index(fields=["status", "due_on"], name="finding_status_due"),
            models.Index(fields=["asset", "status"], name="finding_asset_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"VLN-{self.pk:07d}" if self.pk else "VLN-"


class FindingSighting(models.Model):
    """When a finding was last reported, and by which import.

    Kept apart from the finding so that a re-scan which changes nothing rewrites these narrow
    rows only: on PostgreSQL an UPDATE writes a new version of the whole row and of its index
    entries, and a finding's row is wide and indexed many ways.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.VULNERABILITIES, unit_path="finding__unit__path")

    finding = models.OneToOneField(
        Finding, primary_key=True, on_delete=models.CASCADE, related_name="sighting"
    )
    last_seen_at = models.DateTimeField(_("last seen"))
    # Imports are never deleted, so the database need not check this reference on each of a
    # re-scan's updates; nor is it looked up by import.
    last_import = models.ForeignKey(
        "vulns.ScanImport",
        verbose_name=_("last import"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finding sighting")
        verbose_name_plural = _("finding sightings")

    def __str__(self) -> str:
        return f"{self.finding_id} {self.last_seen_at:%Y-%m-%d}"


class FindingEventKind(models.TextChoices):
    OPENED = "opened", _("First found")
    REOPENED = "reopened", _("Found again")
    FIXED = "fixed", _("No longer found")
    STATUS = "status", _("Status changed")
    RETEST = "retest", _("Retest")


class FindingEvent(models.Model):
    """One step of a finding's history: found, found again after being fixed, no longer
    found by a re-scan of its scope, or a person's decision. Written in bulk by imports;
    people's changes are also in the audit trail."""

    scope: ClassVar[Scope] = Scope(domain=Domain.VULNERABILITIES, unit_path="finding__unit__path")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=FindingEventKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=FindingStatus.choices)
    scan_import = models.ForeignKey(
        "vulns.ScanImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.CharField(_("by"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")
        indexes = [models.Index(fields=["finding", "-at"], name="finding_event_finding")]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.kind}"
