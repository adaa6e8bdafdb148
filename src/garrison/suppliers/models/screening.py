"""Screening: watch lists (the organisation's own blacklist and lists imported from CSV)
and the candidate matches a person confirms or dismisses."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.scoping import Scope
from garrison.suppliers.models.master import SUPPLIER_LIBRARY_SCOPE, SUPPLIER_RECORD_SCOPE, Supplier


class WatchListKind(models.TextChoices):
    BLACKLIST = "blacklist", _("The organisation's blacklist")
    IMPORTED = "imported", _("Imported list")


class WatchList(models.Model):
    """A list of names and identifiers suppliers are screened against. There is one
    blacklist, fed by blacklisting a supplier; other lists are imported from CSV and
    replaced by re-importing."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=WatchListKind.choices, default=WatchListKind.IMPORTED
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    imported_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("watch list")
        verbose_name_plural = _("watch lists")

    def __str__(self) -> str:
        return self.name


class WatchListEntry(models.Model):
    """A name on a watch list, with the identifiers it is known by."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    watch_list = models.ForeignKey(
        WatchList, verbose_name=_("watch list"), on_delete=models.CASCADE, related_name="entries"
    )
    name = models.CharField(_("name"), max_length=500)
    normalised_name = models.CharField(_("normalised name"), max_length=500, db_index=True)
    identifiers = models.JSONField(_("identifiers"), default=list, blank=True)
    country = models.CharField(_("country or region"), max_length=2, blank=True)
    reason = models.CharField(_("reason listed"), max_length=500, blank=True)
    reference = models.CharField(_("list reference"), max_length=200, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("blacklisted supplier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="watch_list_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["watch_list", "name"]
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch-list entries")

    def __str__(self) -> str:
        return self.name


class ScreeningTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled re-screening")
    LIST_CHANGED = "list_changed", _("A watch list changed")
    SUPPLIER_CHANGED = "supplier_changed", _("A supplier was added or renamed")
    MANUAL = "manual", _("Started by a person")


class ScreeningRun(models.Model):
    """One screening of some or all suppliers against the active watch lists."""

    scope: ClassVar[Scope] = SUPPLIER_LIBRARY_SCOPE

    trigger = models.CharField(_("trigger"), max_length=20, choices=ScreeningTrigger.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    suppliers_screened = models.PositiveIntegerField(_("suppliers screened"), default=0)
    entries_compared = models.PositiveIntegerField(_("watch-list entries"), default=0)
    new_matches = models.PositiveIntegerField(_("new candidate matches"), default=0)
    started_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M}"


class MatchStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class ScreeningMatch(models.Model):
    """A candidate match of a supplier with a watch-list entry. `reasons` explains why
    (the names compared after normalising, the score, an identifier that matched exactly)
    so the reviewer can judge it; a dismissed match is not raised again for the same entry."""

    scope: ClassVar[Scope] = SUPPLIER_RECORD_SCOPE

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="screening_matches"
    )
    entry = models.ForeignKey(
        WatchListEntry, verbose_name=_("watch-list entry"), on_delete=models.CASCADE, related_name="matches"
    )
    run = models.ForeignKey(
        ScreeningRun,
        verbose_name=_("found by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    reasons = models.JSONField(_("why it matched"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    decided_by = models.ForeignKey(
        "core.Person",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    found_at = models.DateTimeField(_("found at"))

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("screening match")
        verbose_name_plural = _("screening matches")
        constraints = [models.UniqueConstraint(fields=["supplier", "entry"], name="screening_match_once")]

    def __str__(self) -> str:
        return f"{self.supplier.reference} ~ {self.entry.name}"
