"""Weekly audits of a log source: the report a reviewer signs, the findings they triage,
and the suppressions that keep expected operations out of them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    AWAITING_SIGN_OFF = "awaiting_sign_off", _("Awaiting sign-off")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Failed")


class AuditReport(models.Model):
    """The weekly audit of one log source over [period_start, period_end): the batches
    received in the period run through every enabled rule. Records the head of the
    source's Merkle tree (size and root) over the logs it read, so that `garrison logaudit
    verify` can prove them unchanged."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.LOG_AUDIT, unit_path="source__asset__unit__path", owner="reviewer"
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    source = models.ForeignKey(
        "logaudit.LogSource", verbose_name=_("log source"), on_delete=models.PROTECT, related_name="reports"
    )
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    reviewer = models.ForeignKey(
        "core.Person",
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The Merkle tree head over the source's batches 0 … tree_size-1 when the audit ran.
    tree_size = models.PositiveIntegerField(_("batches sealed"), default=0)
    tree_head = models.CharField(_("tree head"), max_length=64, blank=True)
    # The batches this audit read (sequences first_sequence … tree_size-1).
    first_sequence = models.PositiveIntegerField(default=0)
    batch_count = models.PositiveIntegerField(_("batches"), default=0)
    event_count = models.PositiveBigIntegerField(_("events"), default=0)
    malformed_count = models.PositiveIntegerField(_("malformed lines"), default=0)
    match_count = models.PositiveIntegerField(_("matches"), default=0)
    suppressed_count = models.PositiveIntegerField(_("suppressed matches"), default=0)
    rule_count = models.PositiveIntegerField(_("rules run"), default=0)
    # Rules the engine could not run, each {"rule": ..., "reason": ...}.
    rule_problems = models.JSONField(_("rules that could not run"), default=list, blank=True)
    # Every match, one JSON object a line, for download.
    matches_file = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    signed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    sign_note = models.TextField(_("sign-off note"), blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("audit report")
        verbose_name_plural = _("audit reports")
        constraints = [
            models.UniqueConstraint(fields=["source", "period_start"], name="audit_report_source_week_unique")
        ]
        indexes = [models.Index(fields=["status", "finished_at"], name="audit_report_status")]

    def __str__(self) -> str:
        return self.reference


class Triage(models.TextChoices):
    UNTRIAGED = "untriaged", _("Not triaged")
    TRUE_POSITIVE = "true_positive", _("True positive")
    EXPECTED = "expected", _("Expected operation (change ticket)")
    FALSE_POSITIVE = "false_positive", _("False positive")


class AuditFinding(models.Model):
    """The matches of one rule on one asset in one weekly report, triaged as a whole."""

    scope: ClassVar[Scope] = Scope(domain=Domain.LOG_AUDIT, unit_path="asset__unit__path")

    report = models.ForeignKey(
        AuditReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.ForeignKey(
        "logaudit.DetectionRule", verbose_name=_("rule"), on_delete=models.PROTECT, related_name="findings"
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the rule when the audit ran: what the reviewer saw then.
    title = models.CharField(_("title"), max_length=500)
    level = models.CharField(_("level"), max_length=20)
    match_count = models.PositiveIntegerField(_("matches"), default=0)
    first_match_at = models.DateTimeField(_("first match"), null=True, blank=True)
    last_match_at = models.DateTimeField(_("last match"), null=True, blank=True)
    # The accounts (users) the matched events name, most frequent first.
    accounts = models.JSONField(_("accounts"), default=list, blank=True)
    # The first matched events, each {"batch": sequence, "line": n, "event": {...}}.
    samples = models.JSONField(_("sample events"), default=list, blank=True)
    triage = models.CharField(_("triage"), max_length=20, choices=Triage.choices, default=Triage.UNTRIAGED)
    change_ticket = models.CharField(_("change ticket"), max_length=100, blank=True)
    triage_note = models.TextField(_("triage note"), blank=True)
    triaged_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="log_findings",
    )

    class Meta:
        ordering = ["report", "title", "id"]
        verbose_name = pgettext_lazy("log audit", "finding")
        verbose_name_plural = pgettext_lazy("log audit", "findings")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rule", "asset"], name="audit_finding_rule_asset_unique"
            )
        ]
        indexes = [models.Index(fields=["triage", "report"], name="audit_finding_triage")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.title}"


class SuppressionKind(models.TextChoices):
    SITE = "site", _("Site (organisational unit)")
    ASSET = "asset", _("Asset")
    ACCOUNT = "account", _("Account")


class Suppression(models.Model):
    """Matches of a rule (or of every rule) that are expected at a site, on an asset or for
    an account, kept out of findings until the suppression expires. Owned, dated, audited."""

    scope: ClassVar[Scope] = Scope(domain=Domain.LOG_AUDIT, unit_path="unit__path", owner="owner")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    kind = models.CharField(_("applies to"), max_length=20, choices=SuppressionKind.choices)
    # Blank: every rule.
    rule = models.ForeignKey(
        "logaudit.DetectionRule",
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suppressions",
    )
    # The site; for an asset suppression, the asset's unit.
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    account = models.CharField(_("account"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    expires_on = models.DateField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        "core.Person", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    match_count = models.PositiveIntegerField(_("matches suppressed"), default=0)

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")

    def __str__(self) -> str:
        return self.reference
