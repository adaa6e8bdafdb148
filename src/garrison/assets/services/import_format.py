"""The inventory file format: its columns, and how each cell reads and is written.

One definition serves the import (garrison.assets.services.imports) and the export
(garrison.assets.tables), so that exporting and importing again changes nothing.
Headers and choice cells are accepted in English, in Simplified Chinese and as the
stored value; see docs/user-guide/assets.md for the table people read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.assets.importing import normalise_header, quote
from garrison.assets.models import Asset, AssetType, Criticality, LifecycleStatus, Rating

LIST_JOINER = "; "


@dataclass(frozen=True)
class FormatColumn:
    """One column of the file: its key, the header the export writes, other accepted headers."""

    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()


FORMAT_COLUMNS = (
    FormatColumn("reference", gettext_lazy("reference"), ("编号", "资产编号", "ref")),
    FormatColumn("name", gettext_lazy("name"), ("名称", "资产名称")),
    FormatColumn("asset_type", gettext_lazy("type"), ("类型", "资产类型", "asset type")),
    FormatColumn("owner", gettext_lazy("owner (username)"), ("owner", "所有者", "责任人", "owner username")),
    FormatColumn(
        "unit",
        gettext_lazy("custodian unit (code)"),
        ("custodian unit", "custodian unit code", "unit", "unit code", "保管部门", "保管单位"),
    ),
    FormatColumn("site", gettext_lazy("site (reference)"), ("site", "site reference", "位置", "站点")),
    FormatColumn("description", gettext_lazy("description"), ("描述", "说明")),
    FormatColumn("lifecycle_status", gettext_lazy("lifecycle status"), ("status", "生命周期状态", "状态")),
    FormatColumn("confidentiality", gettext_lazy("confidentiality"), ("c", "机密性")),
    FormatColumn("integrity", gettext_lazy("integrity"), ("i", "完整性")),
    FormatColumn("availability", gettext_lazy("availability"), ("a", "可用性")),
    FormatColumn(
        "criticality", gettext_lazy("business criticality"), ("criticality", "业务重要性", "重要性")
    ),
    FormatColumn(
        "is_critical_system",
        gettext_lazy("critical information system"),
        ("critical system", "关键信息系统", "关键系统"),
    ),
    FormatColumn("ip_addresses", gettext_lazy("IP addresses"), ("ip", "ip address", "ips", "IP地址")),
    FormatColumn("host_names", gettext_lazy("host names"), ("host name", "hostname", "hostnames", "主机名")),
    FormatColumn("tags", gettext_lazy("tags"), ("tag", "标签")),
)
COLUMNS_BY_KEY = {column.key: column for column in FORMAT_COLUMNS}
RATING_KEYS = ("confidentiality", "integrity", "availability")
LIST_KEYS = ("ip_addresses", "host_names", "tags")

# Chinese names accepted for choices whatever the catalogue's wording, so that an
# inventory kept in Chinese spreadsheets imports as it is.
CHINESE_CHOICE_ALIASES: dict[str, dict[Any, tuple[str, ...]]] = {
    "asset_type": {
        AssetType.INFORMATION_SYSTEM: ("信息系统",),
        AssetType.APPLICATION: ("应用", "应用系统", "应用程序"),
        AssetType.DATA_SET: ("数据库或数据集", "数据库", "数据集"),
        AssetType.SERVER: ("服务器或主机", "服务器", "主机"),
        AssetType.NETWORK_DEVICE: ("网络设备",),
        AssetType.NETWORK_SEGMENT: ("网段", "网络区域"),
        AssetType.CLOUD_SERVICE: ("云服务",),
        AssetType.SITE: ("数据中心站点", "数据中心"),
        AssetType.ROOM: ("数据中心机房", "机房"),
        AssetType.FACILITY_EQUIPMENT: ("设施设备", "基础设施设备", "动力环境设备"),
        AssetType.SUPPLIER_SERVICE: ("供应商提供的服务", "供应商服务"),
        AssetType.PAPER_OR_PEOPLE: ("纸质或人员掌握的信息", "纸质信息"),
    },
    "lifecycle_status": {
        LifecycleStatus.PLANNED: ("计划中", "规划中"),
        LifecycleStatus.IN_SERVICE: ("在用", "运行中", "使用中"),
        LifecycleStatus.RETIRED: ("已退役", "退役", "已下线"),
    },
    "criticality": {
        Criticality.LOW: ("低",),
        Criticality.MEDIUM: ("中",),
        Criticality.HIGH: ("高",),
        Criticality.CRITICAL: ("关键", "极高"),
    },
    "rating": {
        Rating.LOW: ("低",),
        Rating.MODERATE: ("中",),
        Rating.HIGH: ("高",),
        Rating.VERY_HIGH: ("极高", "很高"),
    },
}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_every_language(text: str | Promise) -> set[str]:
    """`text` as each configured language reads it."""
    found = set()
    for language in languages():
        with translation.override(language):
            found.add(str(text))
    return found


def header_keys() -> dict[str, str]:
    """Every accepted header (normalised) → its column key."""
    keys: dict[str, str] = {}
    # Aliases first: the headers the export writes win over any alias they collide with.
    for column in FORMAT_COLUMNS:
        for header in column.aliases:
            keys[normalise_header(header)] = column.key
    for column in FORMAT_COLUMNS:
        for header in (column.key, *in_every_language(column.label)):
            keys[normalise_header(header)] = column.key
    return keys


def _choice_map(choices: Iterable[tuple[Any, Any]], aliases: dict[Any, tuple[str, ...]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    # Aliases first: the labels the export writes win over any alias they collide with.
    for value, _label in choices:
        for text in aliases.get(value, ()):
            mapping[normalise_header(text)] = value
    for value, label in choices:
        for text in (str(value), *in_every_language(label)):
            mapping[normalise_header(text)] = value
    return mapping


def choice_maps() -> dict[str, dict[str, Any]]:
    """For each choice column, every accepted spelling (normalised) → the stored value."""
    ratings = _choice_map(Rating.choices, CHINESE_CHOICE_ALIASES["rating"])
    # A rating's label reads "3: High"; the word alone ("High") is accepted too.
    for value, label in Rating.choices:
        for text in in_every_language(label):
            ratings.setdefault(normalise_header(text.split(":", 1)[-1]), value)
    return {
        "asset_type": _choice_map(AssetType.choices, CHINESE_CHOICE_ALIASES["asset_type"]),
        "lifecycle_status": _choice_map(LifecycleStatus.choices, CHINESE_CHOICE_ALIASES["lifecycle_status"]),
        "criticality": _choice_map(Criticality.choices, CHINESE_CHOICE_ALIASES["criticality"]),
        **dict.fromkeys(RATING_KEYS, ratings),
    }


def yes_no_words() -> tuple[set[str], set[str]]:
    """Yes and No as each configured language writes them (the export writes these)."""
    return in_every_language(gettext_lazy("Yes")), in_every_language(gettext_lazy("No"))


def field_label(key: str) -> str:
    """The column's name in messages: "owner", "custodian unit", as the reader reads them."""
    column = COLUMNS_BY_KEY.get(key)
    if column is None:
        return _("row")
    return str(column.label).split(" (")[0].split("\uff08")[0]


# Writing: an asset as the export's cells ------------------------------------------------------


def joined(values: Iterable[str]) -> str:
    return quote(LIST_JOINER.join(values))


def sorted_tag_names(asset: Asset) -> list[str]:
    """Tag names in the one order both sides use (from the prefetch cache when there is one)."""
    return sorted((tag.name for tag in asset.tags.all()), key=str.casefold)


def export_value(asset: Asset, key: str) -> Any:
    """The cell the export writes for `asset` in column `key` (choices as labels)."""
    if key == "owner":
        return asset.owner.username
    if key == "unit":
        return asset.unit.code
    if key == "site":
        return quote(asset.site.reference) if asset.site is not None else ""
    if key == "asset_type":
        return asset.get_asset_type_display()
    if key == "lifecycle_status":
        return asset.get_lifecycle_status_display()
    if key in ("ip_addresses", "host_names"):
        return joined(getattr(asset, key))
    if key == "tags":
        return joined(sorted_tag_names(asset))
    value = getattr(asset, key)
    return quote(value) if isinstance(value, str) else value


def comparable(asset: Asset) -> dict[str, Any]:
    """The asset in the terms of the file (usernames, codes, references, stored choice
    values), to tell what an imported row would change."""
    values: dict[str, Any] = {}
    for column in FORMAT_COLUMNS:
        if column.key == "owner":
            values["owner"] = asset.owner.username
        elif column.key == "unit":
            values["unit"] = asset.unit.code
        elif column.key == "site":
            values["site"] = asset.site.reference if asset.site is not None else ""
        elif column.key == "tags":
            values["tags"] = sorted_tag_names(asset)
        else:
            value = getattr(asset, column.key)
            values[column.key] = list(value) if isinstance(value, list) else value
    return values
