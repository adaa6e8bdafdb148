from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from garrison.core.models.org import OrgUnit, Person
from garrison.core.roles import Domain, Role
from garrison.core.scoping import Scope

ROLE_LABELS = {
    Role.ADMINISTRATOR: _("Administrator"),
    Role.SECURITY_OFFICER: _("Security Officer"),
    Role.COMPLIANCE_MANAGER: _("Compliance Manager"),
    Role.RISK_OWNER: _("Risk Owner"),
    Role.AUDITOR: _("Auditor"),
    Role.PROCUREMENT_OFFICER: _("Procurement Officer"),
    Role.EMPLOYEE: _("Employee"),
}


class RoleAssignment(models.Model):
    """A built-in role granted to a person on an organisation-unit subtree."""

    scope: ClassVar[Scope] = Scope(domain=Domain.ACCESS_CONTROL, unit_path="unit__path", owner="person")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField(
        _("role"), max_length=30, choices=[(role.value, ROLE_LABELS[role]) for role in Role]
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("on unit subtree"), on_delete=models.PROTECT, related_name="role_assignments"
    )
    granted_by = models.ForeignKey(
        Person,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person__full_name", "role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "unit"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} @ {self.unit}"
