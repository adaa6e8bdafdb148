"""Evidence: files or links that show a control works or a requirement is met, kept in
versions in the content-addressed store, valid for a period, owned by a person; and the
requests that ask owners for evidence by a date."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.compliance.models.controls import OWNER_MAY_CHANGE, AppliedControl
from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")


class Evidence(models.Model):
    """A piece of evidence (the backup restore report, the access review minutes) with
    its versions. `valid_from`/`valid_until` and `current_version` follow the newest
    version, so that lists and the dashboard read them without a join."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="owner", owner_actions=OWNER_MAY_CHANGE
    )

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices, default=EvidenceKind.FILE)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence"
    )
    owner = models.ForeignKey(
        "core.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_evidence"
    )
    controls = models.ManyToManyField(
        AppliedControl, verbose_name=_("controls"), blank=True, related_name="evidence"
    )
    current_version = models.ForeignKey(
        "compliance.EvidenceVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["valid_until"], name="evidence_valid_until")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class EvidenceVersion(models.Model):
    """One version of a piece of evidence: a stored file (its SHA-256 recorded here as
    well as on the blob) or a link, with the period it is valid for."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE,
        unit_path="evidence__unit__path",
        owner="evidence__owner",
        owner_actions=OWNER_MAY_CHANGE,
    )

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    attachment = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    note = models.TextField(_("note"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    added_by = models.ForeignKey(
        "core.Person", verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["evidence", "-number"]
        verbose_name = _("evidence version")
        verbose_name_plural = _("evidence versions")
        constraints = [
            models.UniqueConstraint(fields=["evidence", "number"], name="evidence_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence.reference} v{self.number}"


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class EvidenceRequest(models.Model):
    """A request to a person for evidence by a date, optionally for a control, an
    existing piece of evidence (a new version) or a requirement result."""

    scope: ClassVar[Scope] = Scope(
        domain=Domain.COMPLIANCE, unit_path="unit__path", owner="assignee", owner_actions=OWNER_MAY_CHANGE
    )

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evidence_requests"
    )
    assignee = models.ForeignKey(
        "core.Person",
        verbose_name=_("requested from"),
        on_delete=models.PROTECT,
        related_name="evidence_requests",
    )
    requested_by = models.ForeignKey(
        "core.Person", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    control = models.ForeignKey(
        AppliedControl,
        verbose_name=_("control"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_requests",
    )
    evidence = models.ForeignKey(
        Evidence,
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    requirement_result = models.ForeignKey(
        "compliance.RequirementResult",
        verbose_name=_("requirement result"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_requests",
    )
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("evidence request")
        verbose_name_plural = _("evidence requests")
        indexes = [models.Index(fields=["status", "due_on"], name="evidence_request_due")]

    def __str__(self) -> str:
        return self.title
