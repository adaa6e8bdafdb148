"""Detection rules (Sigma) and the domain's policy: reference data of the whole organisation."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope

# Read by everyone with the domain, changed by whoever may change it over the whole organisation.
LOGAUDIT_LIBRARY_SCOPE = Scope(domain=Domain.LOG_AUDIT, unit_path=None, shared=True)

# The Cybersecurity Law keeps network logs at least six months.
MINIMUM_RETENTION_DAYS = 180


class RuleLevel(models.TextChoices):
    """Sigma's levels, in their order."""

    INFORMATIONAL = "informational", _("Informational")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RuleOrigin(models.TextChoices):
    GARRISON = "garrison", _("Garrison sensitive operations")
    SIGMAHQ = "sigmahq", "SigmaHQ"
    CUSTOM = "custom", _("Added by the organisation")


class DetectionRule(models.Model):
    """One Sigma rule (or correlation rule) as loaded: its text, what it says of itself,
    and whether the engine can run it (and if not, why)."""

    scope: ClassVar[Scope] = LOGAUDIT_LIBRARY_SCOPE

    # The Sigma `id` (a UUID), or for a rule without one a name derived from its file.
    rule_id = models.CharField(_("rule identifier"), max_length=100, unique=True)
    # Correlation rules refer to their base rules by `name`.
    name = models.CharField(_("rule name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=20, choices=RuleLevel.choices, default=RuleLevel.MEDIUM)
    sigma_status = models.CharField(_("Sigma status"), max_length=20, blank=True)
    author = models.CharField(_("author"), max_length=500, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=RuleOrigin.choices, default=RuleOrigin.CUSTOM
    )
    # {"product": ..., "category": ..., "service": ...}
    logsource = models.JSONField(_("log source"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    source_path = models.CharField(_("file"), max_length=500, blank=True)
    text = models.TextField(_("rule (YAML)"))
    is_correlation = models.BooleanField(_("correlation rule"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    runnable = models.BooleanField(_("the engine can run it"), default=True)
    problem = models.TextField(_("why it cannot run"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("detection rule")
        verbose_name_plural = _("detection rules")

    def __str__(self) -> str:
        return self.title


class LogAuditPolicy(models.Model):
    """The organisation's log-audit policy (one row)."""

    scope: ClassVar[Scope] = LOGAUDIT_LIBRARY_SCOPE

    # 0 is Monday: the weekly audit runs that day over the seven days before it.
    audit_weekday = models.PositiveSmallIntegerField(
        _("weekly audit day"), default=0, validators=[MaxValueValidator(6)]
    )
    escalation_hours = models.PositiveSmallIntegerField(
        _("escalate unsigned reports after (hours)"), default=72, validators=[MinValueValidator(1)]
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep logs for (days)"),
        default=MINIMUM_RETENTION_DAYS,
        validators=[MinValueValidator(MINIMUM_RETENTION_DAYS)],
    )
    samples_per_finding = models.PositiveSmallIntegerField(
        _("sample events kept per finding"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("log-audit policy")
        verbose_name_plural = _("log-audit policies")

    def __str__(self) -> str:
        return str(_("Log-audit policy"))
