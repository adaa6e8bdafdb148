"""Reporting to regulators and others: the organisation's operator profile, the
obligations a case gives rise to, the reports drafted for them, every submission made,
and the log of communications."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.scoping import Scope
from garrison.incidents.models.cases import CASE_RECORD_SCOPE, Incident
from garrison.incidents.models.library import ADMINISTRATOR_SCOPE, Grade


class OperatorKind(models.TextChoices):
    CII_OPERATOR = "cii_operator", _("Critical information infrastructure operator")
    STATE_ORGAN = "state_organ", _("Central or state organ")
    OTHER_OPERATOR = "other_operator", _("Other network operator")


class ReportingProfile(models.Model):
    """The organisation's operator profile and the names of the bodies it reports to.

    One row (pk 1), kept by an Administrator; `garrison.incidents.services.profile`
    creates it with defaults on first use.
    """

    scope: ClassVar[Scope] = ADMINISTRATOR_SCOPE

    operator_kind = models.CharField(
        _("operator profile"),
        max_length=20,
        choices=OperatorKind.choices,
        default=OperatorKind.OTHER_OPERATOR,
    )
    reporting_unit_name = models.CharField(_("reporting organisation"), max_length=300, blank=True)
    cii_protection_department = models.CharField(_("CII protection department"), max_length=300, blank=True)
    public_security_body = models.CharField(_("public security body"), max_length=300, blank=True)
    cyberspace_affairs_body = models.CharField(
        _("own cyberspace-affairs body (state organs)"), max_length=300, blank=True
    )
    provincial_cyberspace_administration = models.CharField(
        _("provincial cyberspace administration"), max_length=300, blank=True
    )
    personal_information_authority = models.CharField(
        _("personal-information protection authority"), max_length=300, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reporting profile")
        verbose_name_plural = _("reporting profiles")

    def __str__(self) -> str:
        return str(self.get_operator_kind_display())


class CustomReportingRule(models.Model):
    """An obligation the organisation adds itself (the communications administration of
    MIIT for a telecom licensee, a customer contract, a group policy)."""

    scope: ClassVar[Scope] = ADMINISTRATOR_SCOPE

    name = models.CharField(_("name"), max_length=200)
    recipient = models.CharField(_("recipient"), max_length=300)
    minimum_grade = models.CharField(_("from grade"), max_length=20, choices=Grade.choices)
    deadline_hours = models.PositiveIntegerField(_("deadline (hours after discovery)"))
    only_with_personal_information_breach = models.BooleanField(
        _("only when personal information is leaked, tampered with or lost"), default=False
    )
    content = models.TextField(_("what to report"), blank=True)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("custom reporting rule")
        verbose_name_plural = _("custom reporting rules")

    def __str__(self) -> str:
        return self.name


class ObligationKind(models.TextChoices):
    INITIAL = "initial", _("Initial report")
    FINAL = "final", _("Final report")
    SUPPLEMENTARY = "supplementary", _("Supplementary report")
    PIPL_AUTHORITY = "pipl_authority", _("Personal-information breach: notify the authority")
    PIPL_INDIVIDUALS = "pipl_individuals", _("Personal-information breach: notify the individuals")
    CUSTOM = "custom", _("Organisation's own obligation")


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", _("Submitted")
    SUPERSEDED = "superseded", _("No longer required")
    WAIVED = "waived", _("Waived")


class ReportingObligation(models.Model):
    """Something the organisation must send, to whom, by when.

    Derived from the case by the rules of `garrison.incidents.obligations` and kept in
    step with the case by `services.obligations.recompute_obligations`: `code` names the
    rule ("initial:provincial_cyberspace_administration", "final", "pipl:individuals",
    "custom:3"). `due_at` is blank while the clock has not started (a final report before
    handling ends); `without_delay` marks obligations the law says are due at once.
    """

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="obligations"
    )
    code = models.CharField(_("rule"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=ObligationKind.choices)
    recipient = models.CharField(_("recipient"), max_length=300)
    content = models.TextField(_("what to report"), blank=True)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    without_delay = models.BooleanField(_("without delay"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ObligationStatus.choices, default=ObligationStatus.PENDING
    )
    grade = models.CharField(_("grade when derived"), max_length=20, choices=Grade.choices, blank=True)
    satisfied_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level reached"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reporting obligation")
        verbose_name_plural = _("reporting obligations")
        indexes = [models.Index(fields=["status", "due_at"], name="obligation_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class ReportKind(models.TextChoices):
    INITIAL = "initial", _("Initial report")
    SUPPLEMENTARY = "supplementary", _("Supplementary report")
    FINAL = "final", _("Final report")


class IncidentReport(models.Model):
    """A report drafted from the case with the contents the measures require.

    `is_partial` marks a first report sent while cause or impact are not yet known; the
    rest follows in a supplementary report.
    """

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices, default=ReportKind.INITIAL)
    is_partial = models.BooleanField(_("cause or impact not yet known"), default=False)
    reporting_unit = models.TextField(_("reporting unit and affected facility or system"))
    occurrence = models.TextField(_("time, place and type of the incident"))
    impact = models.TextField(_("impact and harm so far"), blank=True)
    measures = models.TextField(_("measures taken and their effect"), blank=True)
    trend = models.TextField(_("expected trend"), blank=True)
    cause = models.TextField(_("preliminary cause"), blank=True)
    attribution = models.TextField(_("attribution leads"), blank=True)
    next_steps = models.TextField(_("next steps and support requested"), blank=True)
    scene_preservation = models.TextField(_("how the scene is preserved"), blank=True)
    other_matters = models.TextField(_("other matters"), blank=True)
    created_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("drafted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.get_kind_display()}"


class Channel(models.TextChoices):
    ONLINE_PLATFORM = "online_platform", _("Online reporting platform")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    FAX = "fax", _("Fax")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class Submission(models.Model):
    """One report sent: to whom, how, when, with which receipt and file. Recording it is
    what makes "reported on time" provable from the audit trail."""

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="submissions"
    )
    obligation = models.ForeignKey(
        ReportingObligation,
        verbose_name=_("obligation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    report = models.ForeignKey(
        IncidentReport,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    recipient = models.CharField(_("recipient"), max_length=300)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    sent_at = models.DateTimeField(_("sent at"))
    receipt = models.CharField(_("reference or receipt"), max_length=300, blank=True)
    file = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("file sent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        "core.Person", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.recipient} {self.sent_at:%Y-%m-%d %H:%M}"


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    REGULATOR = "regulator", _("Regulator")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class Communication(models.Model):
    """An entry of the communications log: with whom, which way, when, about what."""

    scope: ClassVar[Scope] = CASE_RECORD_SCOPE

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="communications"
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTGOING
    )
    party = models.CharField(_("party"), max_length=300)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(
        "core.Person", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")

    def __str__(self) -> str:
        return f"{self.get_audience_display()}: {self.party}"
