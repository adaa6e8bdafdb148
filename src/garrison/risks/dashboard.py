"""The risk register's figures on the dashboard: what waits for the person."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, may_approve, restrict
from garrison.risks.models import (
    AcceptanceStatus,
    ReviewTask,
    RiskAcceptance,
    RiskScenario,
    TaskStatus,
    above_appetite,
    overdue,
)
from garrison.web.dashboard import Tile


def risk_tiles(person: Any) -> list[Tile]:
    register = reverse("risks:risk-list")
    tiles = [
        Tile(
            _("Risk reviews waiting for me"),
            ReviewTask.objects.filter(assignee=person, status=TaskStatus.PENDING).count(),
            reverse("risks:review-task-list"),
            is_warning=True,
        ),
        Tile(
            _("My risks with overdue treatment actions"),
            overdue(RiskScenario.objects.filter(owner=person)).count(),
            f"{register}?{urlencode({'owner': person.username, 'overdue': 'yes'})}",
            is_warning=True,
        ),
    ]
    if has_grant(person, Domain.RISKS, Action.VIEW):
        scenarios = restrict(RiskScenario.objects.all(), person)
        tiles.append(
            Tile(
                _("Risks above appetite without treatment"),
                above_appetite(scenarios, untreated_only=True).count(),
                f"{register}?{urlencode({'above_appetite': 'untreated'})}",
                is_warning=True,
            )
        )
    if may_approve(person, Domain.RISKS):
        waiting = restrict(RiskAcceptance.objects.filter(status=AcceptanceStatus.REQUESTED), person)
        tiles.append(
            Tile(
                _("Risk acceptances to decide"),
                waiting.exclude(requested_by=person).count(),
                f"{reverse('risks:acceptance-list')}?{urlencode({'status': AcceptanceStatus.REQUESTED})}",
                is_warning=True,
            )
        )
    return tiles
