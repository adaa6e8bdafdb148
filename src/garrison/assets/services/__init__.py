"""The inventory's writers, and the one read other apps build on.

Every change to assets, their dependencies and tags goes through these verbs; they
validate, keep the derived fields current and append the audit events. Other apps
use `assets_matching_host` to find the assets a scanned host is (issue 7).
"""

from garrison.assets.queries import assets_matching_host, units_within_reach
from garrison.assets.services.criticality import recompute_effective_criticality
from garrison.assets.services.dependencies import add_dependency, remove_dependency
from garrison.assets.services.imports import (
    ImportPreview,
    ImportRejected,
    ImportResult,
    commit_import,
    preview_import,
)
from garrison.assets.services.inventory import (
    confirm_asset,
    create_asset,
    create_tag,
    delete_asset,
    update_asset,
)

__all__ = [
    "ImportPreview",
    "ImportRejected",
    "ImportResult",
    "add_dependency",
    "assets_matching_host",
    "commit_import",
    "confirm_asset",
    "create_asset",
    "create_tag",
    "delete_asset",
    "preview_import",
    "recompute_effective_criticality",
    "remove_dependency",
    "units_within_reach",
    "update_asset",
]
