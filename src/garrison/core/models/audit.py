from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    TRANSITION = "transition", _("Transition")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")
    LOCKED = "locked", _("Account locked")
    UNLOCKED = "unlocked", _("Account unlocked")
    EXPORT = "export", _("Exported")
    RESTORE = "restore", _("Restored from backup")
    REFUSED = "refused", _("Refused")


class AuditEvent(models.Model):
    """One entry of the tamper-evident record of everything that happened.

    Each event's `hash` is SHA-256 over a canonical JSON form of its fields and the
    previous event's hash, so editing or deleting a row breaks the chain from there
    on (`garrison audit-trail verify`). On PostgreSQL a trigger refuses UPDATE and
    DELETE on this table. `actor` keeps no database constraint: the trail outlives
    whatever it mentions.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.AUDIT, unit_path="scope_path", owner=None)

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time (UTC)"), db_index=True)
    actor = models.ForeignKey(
        "core.Person",
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    scope_path = models.CharField(max_length=255, blank=True, db_index=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id", "sequence"]),
            models.Index(fields=["actor", "sequence"]),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The newest event's sequence and hash, kept apart from the events.

    It lets verification notice events deleted from the end of the chain, and its
    row lock serialises appends on PostgreSQL.
    """

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.sequence}"
