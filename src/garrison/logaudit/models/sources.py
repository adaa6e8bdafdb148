"""Log sources of assets and the sealed batches of logs they deliver."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class LogFormat(models.TextChoices):
    JSONL = "jsonl", _("JSON lines")
    SYSLOG = "syslog", _("Syslog (RFC 5424 or 3164)")
    AUDITD = "auditd", _("Linux auditd raw records")
    BASTION = "bastion", _("Bastion-host command log (CSV or JSON)")


class LogSource(models.Model):
    """Where an asset's logs come from (a host's auditd, a bastion's command log …), in
    one format; each source gets its weekly audit."""

    scope: ClassVar[Scope] = Scope(domain=Domain.LOG_AUDIT, unit_path="asset__unit__path", owner="owner")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="log_sources"
    )
    log_format = models.CharField(_("format"), max_length=20, choices=LogFormat.choices)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    # Who triages the findings and signs the weekly report; the owner when blank.
    reviewer = models.ForeignKey(
        "core.Person",
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audit_enabled = models.BooleanField(_("weekly audit"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("log source")
        verbose_name_plural = _("log sources")

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class LogBatch(models.Model):
    """One delivery of logs, stored byte for byte and sealed: its SHA-256 is leaf
    `sequence` of its source's Merkle tree. Pruned under retention, the row (and so the
    leaf) stays and only the content goes."""

    scope: ClassVar[Scope] = Scope(domain=Domain.LOG_AUDIT, unit_path="source__asset__unit__path")

    source = models.ForeignKey(
        LogSource, verbose_name=_("log source"), on_delete=models.PROTECT, related_name="batches"
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    filename = models.CharField(_("file name"), max_length=255)
    stored_file = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    malformed_count = models.PositiveIntegerField(_("malformed lines"), default=0)
    # The first malformed lines, each {"line": n, "reason": ...}.
    malformed_lines = models.JSONField(_("malformed lines"), default=list, blank=True)
    first_event_at = models.DateTimeField(_("first event"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    received_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("received from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pruned_at = models.DateTimeField(_("deleted under retention"), null=True, blank=True)

    class Meta:
        ordering = ["source", "sequence"]
        verbose_name = _("log batch")
        verbose_name_plural = _("log batches")
        constraints = [
            models.UniqueConstraint(fields=["source", "sequence"], name="log_batch_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id}#{self.sequence} {self.filename}"
