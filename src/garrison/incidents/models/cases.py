"""Incident cases: what happened, to what, how bad it is, and where handling stands."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import Scope
from garrison.incidents.models.library import Grade, IncidentCategory

# The handler works the case whatever their roles.
HANDLER_MAY_CHANGE = frozenset({Action.VIEW, Action.CHANGE})


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Triage")
    CONTAINMENT = "containment", _("Containment")
    ERADICATION = "eradication", _("Eradication")
    RECOVERY = "recovery", _("Recovery")
    POST_INCIDENT_REVIEW = "post_incident_review", _("Post-incident review")
    CLOSED = "closed", _("Closed")
    FALSE_POSITIVE = "false_positive", _("False positive")


# Handling has not ended in these states: the case is open and its clocks run.
OPEN_STATUSES = (
    IncidentStatus.NEW,
    IncidentStatus.TRIAGE,
    IncidentStatus.CONTAINMENT,
    IncidentStatus.ERADICATION,
    IncidentStatus.RECOVERY,
)
FINISHED_STATUSES = (IncidentStatus.CLOSED, IncidentStatus.FALSE_POSITIVE)


class Incident(models.Model):
    """One security incident case (INC-000001 …).

    `grade` is the grade the handler confirmed; until then it is blank and the
    obligations follow `proposed_grade`, which the grading assistant derives from the
    facts (`grading_basis` lists the thresholds that were met).
    """

    scope: ClassVar[Scope] = Scope(
        domain=Domain.INCIDENTS, unit_path="unit__path", owner="handler", owner_actions=HANDLER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        IncidentCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    subcategory = models.ForeignKey(
        IncidentCategory,
        verbose_name=_("sub-category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcategory_incidents",
    )
    status = models.CharField(
        _("status"), max_length=30, choices=IncidentStatus.choices, default=IncidentStatus.NEW
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("discovered at"))
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    handling_ended_at = models.DateTimeField(_("handling ended at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    handler = models.ForeignKey(
        "core.Person", verbose_name=_("handler"), on_delete=models.PROTECT, related_name="handled_incidents"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="incidents"
    )
    affected_units = models.ManyToManyField(
        "core.OrgUnit", verbose_name=_("affected units"), blank=True, related_name="affecting_incidents"
    )
    assets = models.ManyToManyField(
        "assets.Asset",
        verbose_name=_("affected assets and systems"),
        blank=True,
        related_name="incidents",
    )
    suppliers = models.ManyToManyField(
        "suppliers.Supplier", verbose_name=_("affected suppliers"), blank=True, related_name="incidents"
    )
    # Suppliers not in the register (yet) are named.
    affected_suppliers = models.JSONField(_("other affected suppliers"), default=list, blank=True)
    tags = models.ManyToManyField("assets.Tag", verbose_name=_("tags"), blank=True, related_name="incidents")

    # Facts the grading assistant reads.
    personal_information_people = models.PositiveBigIntegerField(
        _("people whose personal information is involved"), default=0
    )
    sensitive_personal_information = models.BooleanField(_("sensitive personal information"), default=False)
    personal_information_breach = models.BooleanField(
        _("personal information leaked, tampered with or lost"), default=False
    )
    service_outage_minutes = models.PositiveIntegerField(_("service outage (minutes)"), default=0)
    cii_full_outage_minutes = models.PositiveIntegerField(
        _("critical information infrastructure fully down (minutes)"), default=0
    )
    cii_main_function_outage_minutes = models.PositiveIntegerField(
        _("main functions of critical information infrastructure down (minutes)"), default=0
    )
    essential_services_people = models.PositiveBigIntegerField(
        _("people whose water, power, gas, heating or transport is affected"), default=0
    )
    province_population_percent = models.DecimalField(
        _("share of one province's population affected (%)"), max_digits=5, decimal_places=2, default=0
    )
    direct_loss_cny = models.DecimalField(
        _("estimated direct economic loss (CNY)"), max_digits=16, decimal_places=2, default=0
    )

    proposed_grade = models.CharField(_("proposed grade"), max_length=20, choices=Grade.choices, blank=True)
    grading_basis = models.JSONField(_("grading basis"), default=list, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, blank=True)
    grade_reason = models.TextField(_("reason for the grade"), blank=True)
    grade_confirmed_at = models.DateTimeField(_("grade confirmed at"), null=True, blank=True)
    grade_confirmed_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("grade confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["status", "discovered_at"], name="incident_status_discovered"),
            models.Index(fields=["discovered_at"], name="incident_discovered"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def effective_grade(self) -> str:
        """The confirmed grade, or the proposal while none is confirmed."""
        return self.grade or self.proposed_grade


# Records of a case (indicators, obligations, timeline, tasks …) are read and written by
# whoever may read and change the case.
CASE_RECORD_SCOPE = Scope(
    domain=Domain.INCIDENTS,
    unit_path="incident__unit__path",
    owner="incident__handler",
    owner_actions=HANDLER_MAY_CHANGE,
)


class IndicatorKind(models.TextChoices):
    IP = "ip", _("IP address")
    DOMAIN = "domain", _("Domain")
    URL = "url", _("URL")
    FILE_HASH = "file_hash", _("File hash")
    ACCOUNT = "account", _("Account")
    EMAIL = "email", _("E-mail address")
    OTHER = "other", _("Other")


class Indicator(models.Model):
    """An indicator of compromise observed in the case."""

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="indicators"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IndicatorKind.choices)
    value = models.CharField(_("value"), max_length=2000)
    description = models.CharField(_("description"), max_length=500, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "value"], name="indicator_once_per_incident")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
