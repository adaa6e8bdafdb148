"""The Simplified Chinese catalogue: complete, compiled, in step with the source, and
actually used by the pages and the API.

The catalogue checks read the .po file with a small parser of their own, so they run
where GNU gettext is not installed; only the re-extraction check needs xgettext.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from garrison.core.models import ApiToken
from garrison.core.models.identity import TokenScope
from garrison.core.services import org, tokens

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "src" / "garrison"
MESSAGES_DIR = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = MESSAGES_DIR / "django.po"
MO_FILE = MESSAGES_DIR / "django.mo"
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|\{\w*\}")


@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    fuzzy: bool

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file, header excluded; obsolete (#~) entries are ignored."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags = ""
    current: str | None = None

    def finish() -> None:
        nonlocal fields, flags, current
        if "msgid" in fields:
            msgstrs = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            entries.append(
                Entry(
                    fields.get("msgctxt"),
                    fields["msgid"],
                    fields.get("msgid_plural"),
                    msgstrs,
                    "fuzzy" in flags,
                )
            )
        fields, flags, current = {}, "", None

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#,"):
            if current is not None:
                finish()
            flags += line
        elif not line or line.startswith("#"):
            if current is not None:
                finish()
        elif line.startswith('"'):
            assert current is not None, f"a continuation line with nothing to continue: {line}"
            fields[current] += ast.literal_eval(line)
        else:
            keyword, _space, value = line.partition(" ")
            starts_entry = keyword == "msgctxt" or (keyword == "msgid" and current != "msgctxt")
            if current is not None and (starts_entry or keyword in fields):
                finish()
            current = keyword
            fields[keyword] = ast.literal_eval(value)
    finish()
    return [entry for entry in entries if entry.msgid]


def catalogue() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def test_the_parser_reads_contexts_plurals_and_multi_line_strings() -> None:
    sample = (
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, python-format\nmsgctxt "ctx"\nmsgid ""\n"first "\n"second"\nmsgstr "一二"\n\n'
        '#, fuzzy\nmsgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] ""\n\n'
        '#~ msgid "gone"\n#~ msgstr "走了"\n'
    )
    entries = parse_po(sample)

    assert [entry.key for entry in entries] == [("ctx", "first second"), (None, "%(n)s item")]
    assert entries[0].msgstrs == ["一二"]
    assert not entries[0].fuzzy
    assert entries[1].msgid_plural == "%(n)s items"
    assert entries[1].msgstrs == [""]
    assert entries[1].fuzzy


def test_the_catalogue_declares_chinese_with_a_single_plural_form() -> None:
    header = PO_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]

    assert '"Language: zh_Hans\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert "#, fuzzy" not in header


def test_every_entry_of_the_catalogue_is_translated_and_none_is_fuzzy() -> None:
    entries = catalogue()
    untranslated = [entry.msgid for entry in entries if not all(entry.msgstrs)]
    fuzzy = [entry.msgid for entry in entries if entry.fuzzy]

    assert len(entries) > 300
    assert untranslated == []
    assert fuzzy == []
    assert all(len(entry.msgstrs) == 1 for entry in entries)


def test_translations_keep_every_placeholder_and_the_surrounding_whitespace() -> None:
    broken = []
    for entry in catalogue():
        for source in filter(None, (entry.msgid, entry.msgid_plural)):
            translation = entry.msgstrs[0]
            same_placeholders = sorted(PLACEHOLDER.findall(source)) == sorted(
                PLACEHOLDER.findall(translation)
            )
            stripped = source.strip()
            lead, trail = source[: source.index(stripped)], source[source.index(stripped) + len(stripped) :]
            same_edges = translation.startswith(lead) and translation.endswith(trail)
            if not (same_placeholders and same_edges):
                broken.append((source, translation))

    assert broken == []


def test_nearly_every_translation_is_written_in_chinese() -> None:
    # Only names that stay as they are (the English language name, say) may lack Han characters,
    # and strings without words to translate: codes ("SHA-256") and placeholders alone.
    latin_only = [
        entry.msgid
        for entry in catalogue()
        if not HAN.search(entry.msgstrs[0]) and re.search("[a-z]{3}", PLACEHOLDER.sub("", entry.msgid))
    ]

    assert latin_only == ["English"]


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected: dict[Any, str] = {}
    for entry in catalogue():
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstrs[0]
        else:
            expected[(msgid, 0)] = entry.msgstrs[0]
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}  # type: ignore[attr-defined]

    assert actual == expected, "run `make messages` to recompile django.mo"


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in GETTEXT_TOOLS),
    reason="GNU gettext (xgettext, msgmerge...) is not installed: cannot re-extract the messages",
)
def test_the_catalogue_holds_exactly_the_strings_marked_in_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Extract from a copy: makemessages writes into the locale folder next to the sources.
    copy = tmp_path / "garrison"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=["*/migrations/*"],
            no_obsolete=True,
            stdout=StringIO(),
        )
    extracted = {entry.key for entry in parse_po((copy / "locale/zh_Hans/LC_MESSAGES/django.po").read_text())}
    committed = {entry.key for entry in catalogue()}

    assert sorted(extracted - committed, key=str) == [], "new strings: run `make messages` and translate them"
    assert sorted(committed - extracted, key=str) == [], "stale strings: run `make messages`"


@pytest.fixture
def chinese_client(client: Client) -> Client:
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.django_db
def test_the_login_page_speaks_chinese_with_the_language_cookie(chinese_client: Client) -> None:
    body = chinese_client.get(reverse("login")).content.decode()

    assert '<html lang="zh-hans"' in body
    assert "登录 Garrison" in body
    assert 'type="submit">登录</button>' in body
    assert "Log in" not in body


def test_the_navigation_for_an_administrator_is_in_chinese(chinese_client: Client, owner: Any) -> None:
    chinese_client.force_login(owner)
    body = chinese_client.get(reverse("web:dashboard")).content.decode()

    assert f'href="{reverse("core:person-list")}">人员</a>' in body
    assert f'href="{reverse("core:unit-list")}">组织架构</a>' in body
    assert "审计日志" in body
    assert ">People<" not in body


def test_the_person_page_says_direct_reports_not_the_reports_domain(
    chinese_client: Client, owner: Any
) -> None:
    chinese_client.force_login(owner)
    body = chinese_client.get(reverse("core:person-detail", args=[owner.pk])).content.decode()

    assert 'id="reports-heading">直接下属</h2>' in body


def test_the_api_answers_a_missing_field_in_chinese(api: Any, owner: Any) -> None:
    response = api.as_(owner).post("/api/people/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json()["username"] == ["该字段是必填项。"]


def test_the_api_answers_a_service_rule_in_chinese(api: Any, owner: Any, organisation: Any) -> None:
    response = api.as_(owner).patch(
        f"/api/units/{organisation.beijing.pk}/",
        {"parent": organisation.beijing_ops.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["组织单元不能移动到自身或其下级单元之下。"]}
    organisation.beijing.refresh_from_db()
    assert organisation.beijing.parent_id == organisation.root.pk


def test_the_api_uses_the_language_stored_for_the_person(api: Any, owner: Any) -> None:
    org.update_person(owner, by=None, language="zh-hans")

    response = api.as_(owner).post("/api/people/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["full_name"] == ["该字段是必填项。"]


def test_a_read_only_token_is_refused_a_write_in_the_callers_language(api: Any, colleague: Any) -> None:
    token, secret = tokens.create_token(
        colleague, by=colleague, name="report script", access=TokenScope.READ, days=7
    )

    response = api.as_(None).post(
        "/api/people/",
        {},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "此 API 令牌为只读令牌。"
    assert ApiToken.objects.get(pk=token.pk).access == TokenScope.READ
