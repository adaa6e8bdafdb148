from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.models.org import Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope

PERSONAL = frozenset({Action.VIEW, Action.CHANGE, Action.DELETE})


class Notification(models.Model):
    """Something a person should know about: an assignment, a due date, an escalation."""

    # Notifications are private: only their recipient sees them, whatever their roles.
    scope: ClassVar[Scope] = Scope(
        domain=Domain.ORGANISATION, unit_path=None, owner="recipient", owner_actions=PERSONAL, private=True
    )

    recipient = models.ForeignKey(
        Person, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]
        constraints = [
            # The same reminder is never sent twice: jobs may re-run safely.
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """A person's choice of channels for one kind of notification."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.ORGANISATION, unit_path=None, owner="person", owner_actions=PERSONAL
    )

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("notification preference")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.kind}"
