"""The inventory's figures on the dashboard."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from garrison.assets.models import Asset
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.web.dashboard import Tile


def asset_tiles(person: Any) -> list[Tile]:
    if not has_grant(person, Domain.ASSETS, Action.VIEW):
        return []
    assets = restrict(Asset.objects.all(), person)
    url = reverse("assets:asset-list")
    return [
        Tile(_("Assets"), assets.count(), url),
        Tile(
            _("Assets to confirm"),
            assets.filter(needs_review=True).count(),
            f"{url}?{urlencode({'needs_review': 'yes'})}",
            is_warning=True,
        ),
    ]
