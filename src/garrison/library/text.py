"""Bilingual library text: the Chinese form of a name or description when the reader
reads Chinese and the object has one, the English form otherwise.

Library objects carry `name`/`name_zh` and `description`/`description_zh`, as
attributes (models) or keys (the steps and levels stored in a matrix's JSON).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation


def _value(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def reads_chinese() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


def localised(obj: Any, field: str = "name") -> str:
    """`obj`'s `field` in the reader's language, falling back to English."""
    if reads_chinese():
        chinese = _value(obj, f"{field}_zh")
        if chinese:
            return str(chinese)
    value = _value(obj, field)
    return "" if value is None else str(value)
