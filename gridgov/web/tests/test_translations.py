"""The Simplified Chinese catalogue: complete, faithful to its placeholders, compiled, and in use."""

from __future__ import annotations

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from gridgov.testing import PASSWORD, MiniDistrict

MESSAGES = Path(settings.BASE_DIR) / "gridgov" / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = MESSAGES / "django.po"
MO_FILE = MESSAGES / "django.mo"
# printf-style (%(name)s, %(area).1f, %s, %d, %%) and str.format-style ({name}) placeholders.
PLACEHOLDER = re.compile(
    r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*(?:[.\[]\w+\]?)*(?:![rsa])?(?::[^{}]*)?\}"
)
CJK = re.compile(r"[\u3400-\u9fff]")
# Names that stay as they are in Chinese text.
PROPER_NOUNS = {"API", "Open311", "AppID"}


@dataclass
class Entry:
    """One message of a .po file; `msgstr` holds the forms by index (0 only for a singular)."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return repr(self.msgid)


def parse_po(text: str) -> list[Entry]:
    """Return the entries of a .po file (header included, obsolete #~ entries left out)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        entry, key = Entry(), ""
        for line in lines:
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                append(entry, key, ast.literal_eval(line))
            else:
                key, _, literal = line.partition(" ")
                append(entry, key, ast.literal_eval(literal), start=True)
        entries.append(entry)
    return entries


def append(entry: Entry, key: str, text: str, start: bool = False) -> None:
    """Add a string literal to the field named by the keyword in front of it."""
    if key.startswith("msgstr"):
        index = int(key[7:-1]) if key != "msgstr" else 0
        entry.msgstr[index] = ("" if start else entry.msgstr[index]) + text
    elif key in ("msgid", "msgid_plural", "msgctxt"):
        setattr(entry, key, ("" if start else getattr(entry, key) or "") + text)
    else:
        raise ValueError(f"unexpected keyword {key!r} in {PO_FILE.name}")


def messages() -> list[Entry]:
    """Return the entries of the catalogue, without its header."""
    return [entry for entry in parse_po(PO_FILE.read_text(encoding="utf-8")) if entry.msgid]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def test_the_catalogue_declares_simplified_chinese_with_one_plural_form() -> None:
    header = parse_po(PO_FILE.read_text(encoding="utf-8"))[0]

    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    entries = messages()

    assert len(entries) > 500
    assert [str(e) for e in entries if "fuzzy" in e.flags] == []
    assert [str(e) for e in entries if not e.msgstr or not all(e.msgstr.values())] == []


def test_plural_messages_have_the_single_chinese_form() -> None:
    plurals = [entry for entry in messages() if entry.msgid_plural is not None]

    assert plurals
    assert [str(e) for e in plurals if sorted(e.msgstr) != [0]] == []


def test_every_translation_keeps_the_placeholders_of_its_message() -> None:
    wrong = []
    for entry in messages():
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        for translation in entry.msgstr.values():
            if placeholders(translation) != placeholders(source):
                wrong.append((entry.msgid, translation))

    assert wrong == []


def test_no_translation_is_left_in_english() -> None:
    english = [
        (entry.msgid, translation)
        for entry in messages()
        for translation in entry.msgstr.values()
        if not CJK.search(translation)
        and translation not in PROPER_NOUNS
        and re.search("[A-Za-z]", PLACEHOLDER.sub("", translation))
    ]

    assert english == []


def test_the_compiled_catalogue_translates_every_message_as_the_po_does() -> None:
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in messages():
        if entry.msgid_plural is not None:
            found = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            expected = [entry.msgstr[0]] * 2
        elif entry.msgctxt is not None:
            found, expected = [compiled.pgettext(entry.msgctxt, entry.msgid)], [entry.msgstr[0]]
        else:
            found, expected = [compiled.gettext(entry.msgid)], [entry.msgstr[0]]
        if found != expected:
            stale.append(entry.msgid)

    assert stale == [], f"{MO_FILE.name} is older than {PO_FILE.name}: run make i18n"


class PageText(HTMLParser):
    """Collect the texts a person reads or hears: text nodes, titles and accessible labels."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        self.texts += [value.strip() for name, value in attrs if name in ("title", "aria-label") and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def english_left(html: str) -> list[str]:
    """Return the texts of the page that are messages of the catalogue shown untranslated."""
    parser = PageText()
    parser.feed(html)
    msgids = {entry.msgid for entry in messages() if entry.msgstr[0] != entry.msgid}
    return [text for text in parser.texts if text in msgids]


@pytest.mark.django_db
def test_the_login_page_is_in_chinese_by_default(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert "<h1>登录</h1>" in response.text
    assert "用户名" in response.text
    assert "网格化服务管理平台" in response.text
    assert english_left(response.text) == []


@pytest.mark.django_db
def test_the_login_page_is_in_english_after_switching(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    response = client.get("/login/")

    assert '<html lang="en">' in response.text
    assert "<h1>Log in</h1>" in response.text
    assert "Grid service management platform" in response.text
    assert "用户名" not in response.text


def test_a_wrong_password_is_refused_in_chinese(client: Client, mini: MiniDistrict) -> None:
    response = client.post("/login/", {"username": "worker_a", "password": "not-it"})

    assert response.status_code == 200
    assert 'class="errorlist"' in response.text
    # Django's own catalogue supplies this message.
    assert "用户名" in response.text and "密码" in response.text
    assert "Please enter a correct" not in response.text


def test_the_home_page_of_a_grid_worker_is_in_chinese_by_default(client: Client, mini: MiniDistrict) -> None:
    assert client.login(username="worker_a", password=PASSWORD)

    response = client.get("/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    for chinese in ["我的网格", "退出登录", "关爱对象", "“1+3”团队", "网格员", "小事不出格，件件有回音。"]:
        assert chinese in response.text, chinese
    assert english_left(response.text) == []


def test_the_home_page_is_in_english_after_switching(client: Client, mini: MiniDistrict) -> None:
    assert client.login(username="worker_a", password=PASSWORD)

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")

    assert '<html lang="en">' in response.text
    for english in ["My grid", "Log out", "Residents needing care", "1+3 team", "grid worker"]:
        assert english in response.text, english
    assert "退出登录" not in response.text


def test_the_home_page_of_a_leader_is_in_chinese_by_default(client: Client, mini: MiniDistrict) -> None:
    assert client.login(username=mini.leader.username, password=PASSWORD)

    response = client.get("/")

    assert response.status_code == 200
    assert "辖区概览" in response.text
    assert english_left(response.text) == []
