"""Strict reading of configuration from environment variables.

Every setting Garrison takes comes through here, so that a typo in a deployment
fails at start-up with a message naming the variable, instead of silently
falling back to a default. Pure module: no Django import.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigurationError(ValueError):
    """A variable is present but its value cannot be used."""


@dataclass
class Env:
    """Typed accessors over a mapping of environment variables.

    Each accessor records the variable it read, so the operations guide can be
    checked against what the code actually consults.
    """

    source: Mapping[str, str] = field(default_factory=lambda: os.environ)
    consulted: dict[str, str] = field(default_factory=dict)

    def _raw(self, name: builtins.str, description: builtins.str) -> builtins.str | None:
        self.consulted[name] = description
        value = self.source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def str(self, name: builtins.str, default: builtins.str, description: builtins.str = "") -> builtins.str:
        value = self._raw(name, description)
        return default if value is None else value

    def optional_str(self, name: builtins.str, description: builtins.str = "") -> builtins.str | None:
        return self._raw(name, description)

    def bool(
        self, name: builtins.str, default: builtins.bool, description: builtins.str = ""
    ) -> builtins.bool:
        value = self._raw(name, description)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ConfigurationError(
            f"{name}={value!r} is not a boolean; use one of true/false, yes/no, 1/0, on/off"
        )

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        description: builtins.str = "",
        *,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
    ) -> builtins.int:
        value = self._raw(name, description)
        if value is None:
            return default
        try:
            number = int(value, 10)
        except ValueError:
            raise ConfigurationError(f"{name}={value!r} is not a whole number") from None
        if minimum is not None and number < minimum:
            raise ConfigurationError(f"{name}={number} is below the minimum {minimum}")
        if maximum is not None and number > maximum:
            raise ConfigurationError(f"{name}={number} is above the maximum {maximum}")
        return number

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str], description: builtins.str = ""
    ) -> builtins.list[builtins.str]:
        value = self._raw(name, description)
        if value is None:
            return list(default)
        items = [item.strip() for item in value.split(",")]
        if any(item == "" for item in items):
            raise ConfigurationError(
                f"{name}={value!r} has an empty item; separate values with single commas"
            )
        return items

    def choice(
        self,
        name: builtins.str,
        default: builtins.str,
        choices: tuple[builtins.str, ...],
        description: builtins.str = "",
    ) -> builtins.str:
        value = self._raw(name, description)
        if value is None:
            return default
        if value not in choices:
            raise ConfigurationError(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value
