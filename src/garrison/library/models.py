"""Which reference libraries (YAML files of frameworks, threats, risk matrices) are loaded."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Domain
from garrison.core.scoping import Scope


class LoadedLibrary(models.Model):
    """One library loaded into this installation, at the version last loaded.

    Loading a library again updates its objects by URN (never duplicates them); a
    newer version records what it changed in `last_changes`.
    """

    scope: ClassVar[Scope] = Scope(domain=Domain.RISKS, unit_path=None, shared=True)

    urn = models.CharField(_("URN"), max_length=200, unique=True)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    content_sha256 = models.CharField(max_length=64)
    object_counts = models.JSONField(_("objects"), default=dict)
    last_changes = models.JSONField(_("changes at the last load"), default=dict, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        "core.Person", verbose_name=_("loaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("loaded library")
        verbose_name_plural = _("loaded libraries")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def objects_summary(self) -> str:
        """The object counts as one line of text ("45 threats, 1 risk_matrices" style keys)."""
        return ", ".join(f"{count} {kind}" for kind, count in sorted(self.object_counts.items()))

    def changes_summary(self) -> str:
        """What the last load changed, counted per kind ("" after a first load)."""
        parts = []
        for kind, changes in sorted(self.last_changes.items()):
            counts = [
                f"{len(changes.get(what) or ())} {what}"
                for what in ("added", "changed", "removed")
                if changes.get(what)
            ]
            parts.append(f"{kind}: {', '.join(counts) or 'no change'}")
        return "; ".join(parts)
