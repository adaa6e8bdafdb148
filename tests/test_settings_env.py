"""Configuration comes only from environment variables, read strictly: a bad value stops start-up
with a message naming the variable instead of quietly falling back to a default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from garrison.env import ConfigurationError, Env

ROOT = Path(__file__).resolve().parent.parent


def env_of(**values: str) -> Env:
    return Env(source=values)


@pytest.mark.parametrize("word", ["1", "true", "YES", "On", " true "])
def test_it_reads_true_words_as_true(word: str) -> None:
    assert env_of(FLAG=word).bool("FLAG", False) is True


@pytest.mark.parametrize("word", ["0", "false", "No", "OFF"])
def test_it_reads_false_words_as_false(word: str) -> None:
    assert env_of(FLAG=word).bool("FLAG", True) is False


@pytest.mark.parametrize("word", ["maybe", "2", "enabled", "tru"])
def test_it_rejects_a_boolean_it_does_not_recognise(word: str) -> None:
    with pytest.raises(ConfigurationError, match="FLAG"):
        env_of(FLAG=word).bool("FLAG", False)


def test_it_uses_the_default_when_a_variable_is_unset_or_blank() -> None:
    env = env_of(BLANK="   ")

    assert env.bool("UNSET", True) is True
    assert env.int("BLANK", 7) == 7
    assert env.str("UNSET", "fallback") == "fallback"
    assert env.optional_str("BLANK") is None
    assert env.list("UNSET", ["a"]) == ["a"]


def test_it_reads_whole_numbers_within_bounds() -> None:
    assert env_of(PORT="8025").int("PORT", 25, minimum=1, maximum=65535) == 8025


@pytest.mark.parametrize("value", ["twelve", "1.5", "0x10", "10 minutes"])
def test_it_rejects_a_number_that_is_not_whole(value: str) -> None:
    with pytest.raises(ConfigurationError, match="PORT"):
        env_of(PORT=value).int("PORT", 25)


def test_it_rejects_a_number_below_the_minimum() -> None:
    with pytest.raises(ConfigurationError, match=r"PORT=0 is below the minimum 1"):
        env_of(PORT="0").int("PORT", 25, minimum=1)


def test_it_rejects_a_number_above_the_maximum() -> None:
    with pytest.raises(ConfigurationError, match=r"PORT=70000 is above the maximum 65535"):
        env_of(PORT="70000").int("PORT", 25, maximum=65535)


def test_it_splits_a_list_on_commas_and_trims_items() -> None:
    assert env_of(HOSTS="a.example, b.example").list("HOSTS", []) == ["a.example", "b.example"]


@pytest.mark.parametrize("value", ["a,,b", "a,", ",a", "a, ,b"])
def test_it_rejects_a_list_with_an_empty_item(value: str) -> None:
    with pytest.raises(ConfigurationError, match="HOSTS"):
        env_of(HOSTS=value).list("HOSTS", [])


def test_it_accepts_a_listed_choice() -> None:
    assert env_of(BACKEND="smtp").choice("BACKEND", "console", ("console", "smtp")) == "smtp"


@pytest.mark.parametrize("value", ["sendmail", "SMTP"])
def test_it_rejects_a_choice_that_is_not_listed(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"BACKEND=.* is not one of console, smtp"):
        env_of(BACKEND=value).choice("BACKEND", "console", ("console", "smtp"))


def test_it_records_every_variable_it_consulted_with_its_description() -> None:
    env = env_of()

    env.bool("A_FLAG", False, "A flag")
    env.int("A_NUMBER", 1, "A number")

    assert env.consulted == {"A_FLAG": "A flag", "A_NUMBER": "A number"}


def test_the_operations_guide_lists_every_variable_the_settings_read() -> None:
    from garrison import settings

    guide = (ROOT / "docs" / "operations.md").read_text()

    missing = [name for name in settings.env.consulted if f"`{name}`" not in guide]
    assert missing == []
    assert "GARRISON_DEBUG" in settings.env.consulted


def start_settings(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    """Import the production settings in a fresh interpreter with the given environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GARRISON_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update({"GARRISON_DATA_DIR": str(tmp_path), **overrides})
    return subprocess.run(
        [sys.executable, "-c", "import garrison.settings"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_settings_start_with_defaults_only(tmp_path: Path) -> None:
    result = start_settings(tmp_path)

    assert result.returncode == 0, result.stderr


def test_start_up_fails_naming_a_debug_flag_that_is_not_a_boolean(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_DEBUG="maybe")

    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert "GARRISON_DEBUG='maybe' is not a boolean" in result.stderr


def test_start_up_fails_naming_a_database_url_it_cannot_parse(tmp_path: Path) -> None:
    result = start_settings(tmp_path, DATABASE_URL="nosuchdb://somewhere/else")

    assert result.returncode != 0
    assert "ConfigurationError: DATABASE_URL cannot be parsed" in result.stderr


def test_start_up_fails_on_a_port_out_of_range(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_SMTP_PORT="0")

    assert result.returncode != 0
    assert "GARRISON_SMTP_PORT=0 is below the minimum 1" in result.stderr


def test_start_up_fails_on_an_unknown_email_backend(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_EMAIL_BACKEND="pigeon")

    assert result.returncode != 0
    assert "GARRISON_EMAIL_BACKEND='pigeon' is not one of console, smtp" in result.stderr


def test_start_up_fails_on_a_secret_key_that_is_too_short(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_SECRET_KEY="short")

    assert result.returncode != 0
    assert "GARRISON_SECRET_KEY must be at least 32 characters long" in result.stderr


def test_start_up_fails_when_both_smtp_tls_modes_are_on(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_SMTP_STARTTLS="true", GARRISON_SMTP_SSL="true")

    assert result.returncode != 0
    assert "cannot both be true" in result.stderr


def test_start_up_fails_naming_a_default_time_zone_that_does_not_exist(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_DEFAULT_TIME_ZONE="Mars/Olympus_Mons")

    assert result.returncode != 0
    assert "ConfigurationError: GARRISON_DEFAULT_TIME_ZONE='Mars/Olympus_Mons'" in result.stderr


def test_start_up_fails_on_an_unknown_log_level(tmp_path: Path) -> None:
    result = start_settings(tmp_path, GARRISON_LOG_LEVEL="LOUD")

    assert result.returncode != 0
    assert "GARRISON_LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in result.stderr


def test_the_generated_secret_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    # Created owner-only, not tightened afterwards: with chmod disabled and a permissive
    # umask, the mode seen is the one the file had from its first byte.
    created_as_is = (
        "import os, pathlib; os.umask(0); "
        "os.chmod = pathlib.Path.chmod = lambda *args, **kwargs: None; "
        "import garrison.settings"
    )
    result = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", created_as_is],
        env={
            **{key: value for key, value in os.environ.items() if not key.startswith("GARRISON_")},
            "GARRISON_DATA_DIR": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(key_file.read_text().strip()) >= 32
    assert start_settings(tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key_file.read_text()


def test_the_api_settings_name_no_throttle_rates_nothing_uses() -> None:
    from garrison import settings

    assert "DEFAULT_THROTTLE_RATES" not in settings.REST_FRAMEWORK
