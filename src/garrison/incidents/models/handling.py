"""Handling a case: its timeline, tasks, playbooks that create tasks, evidence with
hashes, and the emergency contacts and on-duty escalation chain."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.scoping import Scope
from garrison.incidents.models.cases import CASE_RECORD_SCOPE, Incident, Indicator
from garrison.incidents.models.library import INCIDENT_LIBRARY_SCOPE, IncidentCategory


class TimelineKind(models.TextChoices):
    DETECTION = "detection", _("Detection")
    ANALYSIS = "analysis", _("Analysis")
    ACTION = "action", _("Action")
    CONTAINMENT = "containment", _("Containment")
    ERADICATION = "eradication", _("Eradication")
    RECOVERY = "recovery", _("Recovery")
    COMMUNICATION = "communication", _("Communication")
    DECISION = "decision", _("Decision")
    STATUS = "status", _("Status change")
    NOTE = "note", _("Note")


class TimelineEvent(models.Model):
    """Something that happened in the case, at a time-zone-aware moment."""

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="timeline"
    )
    occurred_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices, default=TimelineKind.NOTE)
    description = models.TextField(_("what happened"))
    assets = models.ManyToManyField("assets.Asset", verbose_name=_("assets"), blank=True, related_name="+")
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators"), blank=True, related_name="events"
    )
    recorded_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class Playbook(models.Model):
    """A response template for a category: applying it to a case creates its tasks."""

    scope: ClassVar[Scope] = INCIDENT_LIBRARY_SCOPE

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        IncidentCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="playbooks",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        from garrison.library.text import localised

        return localised(self)


class PlaybookStep(models.Model):
    scope: ClassVar[Scope] = INCIDENT_LIBRARY_SCOPE

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    title_zh = models.CharField(_("Chinese title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    due_after_hours = models.PositiveIntegerField(_("due (hours after the playbook is applied)"), default=24)

    class Meta:
        ordering = ["playbook", "order", "id"]
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class IncidentTask(models.Model):
    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="incident_tasks"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    playbook_step = models.ForeignKey(
        PlaybookStep,
        verbose_name=_("playbook step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        indexes = [models.Index(fields=["status", "due_at"], name="incident_task_status_due")]

    def __str__(self) -> str:
        return self.title


class IncidentEvidence(models.Model):
    """A file kept as evidence of the case: the content-addressed store keeps its SHA-256,
    this row keeps where and when it was collected and by whom (chain of custody)."""

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="evidence"
    )
    attachment = models.ForeignKey(
        "core.Attachment", verbose_name=_("file"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    source = models.CharField(_("collected from"), max_length=300, blank=True)
    collected_at = models.DateTimeField(_("collected at"))
    collected_by = models.ForeignKey(
        "core.Person", verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collected_at", "id"]
        verbose_name = _("incident evidence")
        verbose_name_plural = _("incident evidence")

    def __str__(self) -> str:
        return self.description or str(self.attachment)


class ContactKind(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    REGULATOR = "regulator", _("Regulator")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    EXPERT = "expert", _("External expert")
    OTHER = "other", _("Other")


class EmergencyContact(models.Model):
    scope: ClassVar[Scope] = INCIDENT_LIBRARY_SCOPE

    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ContactKind.choices, default=ContactKind.INTERNAL
    )
    phone = models.CharField(_("telephone"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """One level of the on-duty escalation chain: who is told when a reporting deadline
    has passed, and how long after it."""

    scope: ClassVar[Scope] = INCIDENT_LIBRARY_SCOPE

    level = models.PositiveSmallIntegerField(_("level"))
    person = models.ForeignKey(
        "core.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="escalation_steps"
    )
    after_minutes = models.PositiveIntegerField(_("minutes after the deadline"), default=0)
    contact_note = models.CharField(_("how to reach"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "after_minutes", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation chain")

    def __str__(self) -> str:
        return f"{self.level}: {self.person}"
