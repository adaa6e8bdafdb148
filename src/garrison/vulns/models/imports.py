"""Imports of scanner files, and the record of which asset each import scanned."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class ImportFormat(models.TextChoices):
    AUTO = "auto", _("Detect from the file")
    NESSUS = "nessus", "Nessus (.nessus v2)"
    OPENVAS = "openvas", "OpenVAS / GVM XML"
    TRIVY = "trivy", "Trivy JSON"
    SARIF = "sarif", "SARIF 2.1.0"
    NMAP = "nmap", "Nmap XML"
    CSV = "csv", _("CSV (Garrison format)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading the file")
    SAVING = "saving", _("Saving findings")
    DONE = "done", pgettext_lazy("vulnerability", "Imported")
    FAILED = "failed", _("Failed")


FINISHED_IMPORT_STATUSES = (ImportStatus.DONE, ImportStatus.FAILED)


class ScanImport(models.Model):
    """One scanner file imported (or being imported) into the findings, with what it
    changed. A failed import changed nothing and says why."""

    scope: ClassVar[Scope] = Scope(domain=Domain.VULNERABILITIES, unit_path="unit__path", owner="created_by")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    filename = models.CharField(_("file name"), max_length=255)
    requested_format = models.CharField(
        _("format"), max_length=20, choices=ImportFormat.choices, default=ImportFormat.AUTO
    )
    detected_format = models.CharField(
        _("detected format"), max_length=20, choices=ImportFormat.choices, blank=True
    )
    scan_scope = models.CharField(
        _("scan scope"),
        max_length=100,
        blank=True,
        help_text=_(
            "Name the scope a full scan covers (for example 'DC1 monthly'): a later import of the same "
            "scope marks the findings it no longer reports as fixed. Leave blank for a partial scan."
        ),
    )
    unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Owns discovered hosts and the findings that are on no asset."),
    )
    penetration_test = models.ForeignKey(
        "vulns.PenetrationTest",
        verbose_name=_("penetration test"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    source_file = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    open_count = models.PositiveIntegerField(_("still open"), default=0)
    reopened_count = models.PositiveIntegerField(_("reopened"), default=0)
    fixed_count = models.PositiveIntegerField(_("fixed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected records"), default=0)
    host_count = models.PositiveIntegerField(_("hosts"), default=0)
    discovered_asset_count = models.PositiveIntegerField(_("discovered assets"), default=0)
    # The first rejected records, each {"where": ..., "reason": ...}, for the person to fix.
    rejections = models.JSONField(_("rejected records"), default=list, blank=True)
    created_by = models.ForeignKey(
        "core.Person", verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scan import")
        verbose_name_plural = _("scan imports")

    def __str__(self) -> str:
        return f"{self.reference} {self.filename}"


class AssetScan(models.Model):
    """An asset was covered by a scan (with findings or without): what monthly coverage
    of critical information systems counts."""

    scope: ClassVar[Scope] = Scope(domain=Domain.VULNERABILITIES, unit_path="asset__unit__path")

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="scans")
    scan_import = models.ForeignKey(ScanImport, on_delete=models.CASCADE, related_name="asset_scans")
    scanned_at = models.DateTimeField(_("scanned"))
    source = models.CharField(_("source"), max_length=20)

    class Meta:
        verbose_name = _("asset scan")
        verbose_name_plural = _("asset scans")
        constraints = [models.UniqueConstraint(fields=["asset", "scan_import"], name="asset_scan_unique")]
        indexes = [models.Index(fields=["asset", "-scanned_at"], name="asset_scan_latest")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.scanned_at:%Y-%m-%d}"
