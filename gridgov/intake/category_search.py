"""Find a matter category as a resident types it: Chinese words, pinyin initials ("ld") or full pinyin ("ludeng").

Chinese text (and codes) go to `cases.categories.search_categories`, the one ranking the staff pages
use. Latin letters are read as pinyin: a query matches a category's name or synonym when it splits
into pieces that each begin one syllable after the other — "ld", "ludeng", "lud" and "ludengyc" all
find 路灯异常. The usual reading of a word beats another reading of one of its characters; then
whole-word matches beat prefixes, prefixes beat matches further in, and the name beats a synonym.

The pinyin of every term is worked out once per process (pypinyin takes ~0.2 ms a term) and kept
until a category is saved or deleted here, or `INDEX_TTL` passes (another process may have edited
one). The JSON endpoint answers from Django's cache, and tells browsers they may keep the answer.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from pypinyin import Style, lazy_pinyin, pinyin

from gridgov.cases.categories import search_categories, terms_of
from gridgov.cases.models import Category

LIMIT = 12
MAX_QUERY = 40
# Seconds an index lives in a process before it is rebuilt (edits made by other processes show by then).
INDEX_TTL = 600
# Seconds an answer of the endpoint is kept in Django's cache and in the browser.
ANSWER_TTL = 300
# Other readings of a term's characters kept beside the usual one (行 xing/hang, 长 chang/zhang).
MAX_READINGS = 8
_PINYIN_QUERY = re.compile(r"[a-z]+")
_NOT_LETTERS = re.compile(r"[\s'’·-]+")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Hit:
    """A category found: what the page shows and submits."""

    pk: int
    code: str
    name: str
    class_name: str

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "class_name": self.class_name}


@dataclass(frozen=True)
class Spelling:
    """One reading of one term of a category: its syllables, whether it is the name, whether the usual reading."""

    syllables: tuple[str, ...]
    is_name: bool
    usual: bool
    initials: str = field(init=False)
    joined: str = field(init=False)

    def __post_init__(self) -> None:
        # Worked out once here, not for every query: "ldyc" and "ludengyichang".
        object.__setattr__(self, "initials", "".join(syllable[0] for syllable in self.syllables))
        object.__setattr__(self, "joined", "".join(self.syllables))


@dataclass(frozen=True)
class Entry:
    hit: Hit
    spellings: tuple[Spelling, ...]


def syllables_of(term: str) -> list[tuple[str, ...]]:
    """Return the readings of a term as syllables, the usual one first (Latin words and digits stay whole)."""
    usual = tuple(_split(lazy_pinyin(term, errors="default")))
    readings = [usual]
    choices = [_split(options) for options in pinyin(term, style=Style.NORMAL, heteronym=True)]
    if all(choices):
        for combination in itertools.islice(itertools.product(*choices), MAX_READINGS):
            if combination not in readings:
                readings.append(combination)
    return readings


def _split(chunks: list[str]) -> list[str]:
    """Return syllables: pinyin lower-cased, other runs cut into their Latin words and numbers."""
    return [word for chunk in chunks for word in _WORD.findall(chunk.lower())]


def _entry(pk: int, code: str, name: str, class_name: str, synonyms: str) -> Entry:
    spellings = []
    for position, term in enumerate(terms_of(name, synonyms)):
        for number, syllables in enumerate(syllables_of(term)):
            if syllables:
                spellings.append(Spelling(syllables, is_name=position == 0, usual=number == 0))
    return Entry(Hit(pk, code, name, class_name), tuple(spellings))


class PinyinIndex:
    """The active matters with the pinyin of their names and synonyms."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.built = time.monotonic()

    @classmethod
    def load(cls) -> PinyinIndex:
        rows = Category.objects.filter(active=True, kind=Category.Kind.MATTER).values_list(
            "pk", "code", "name", "class_name", "synonyms"
        )
        return cls([_entry(*row) for row in rows.order_by("code")])

    def search(self, query: str, limit: int = LIMIT) -> list[Hit]:
        """Return the categories whose terms the pinyin query spells, best first."""
        ranked = []
        for entry in self.entries:
            ranks = [rank for spelling in entry.spellings if (rank := _rank(query, spelling)) is not None]
            if ranks:
                rank = min(ranks)
                ranked.append((rank, len(entry.hit.name), entry.hit.code, entry.hit))
        ranked.sort(key=lambda item: item[:3])
        return [hit for *_key, hit in ranked[:limit]]


def _rank(query: str, spelling: Spelling) -> tuple[int, int] | None:
    """Return how well the query spells the term (lower is better), or None when it does not."""
    syllables = spelling.syllables
    if query[0] not in spelling.initials:
        return None
    if query in (spelling.initials, spelling.joined):
        place = 0
    elif _spells(query, syllables, 0):
        place = 1
    elif any(_spells(query, syllables, start) for start in range(1, len(syllables))):
        place = 2
    else:
        return None
    # Another reading of a character is a weak hint: any usual match ranks first.
    return (0 if spelling.usual else 1, place * 2 + (0 if spelling.is_name else 1))


def _spells(query: str, syllables: tuple[str, ...], start: int) -> bool:
    """Return whether the query is non-empty prefixes of consecutive syllables from `start` on ("ld", "lude")."""
    if not query:
        return True
    if start >= len(syllables):
        return False
    syllable = syllables[start]
    # Longest piece first: "ludeng" takes all of "lu" before trying "l".
    for size in range(min(len(syllable), len(query)), 0, -1):
        if query[:size] == syllable[:size] and _spells(query[size:], syllables, start + 1):
            return True
    return False


# --- the process-wide index ------------------------------------------------------------------------

_lock = threading.Lock()
_index: PinyinIndex | None = None


def get_index() -> PinyinIndex:
    """Return this process's index, building it on first use and again after `INDEX_TTL` or an edit."""
    global _index
    index = _index
    if index is not None and time.monotonic() - index.built < INDEX_TTL:
        return index
    with _lock:
        if _index is None or time.monotonic() - _index.built >= INDEX_TTL:
            _index = PinyinIndex.load()
        return _index


def reset_index(**_kwargs: object) -> None:
    """Forget the index, so the next search rebuilds it."""
    global _index
    with _lock:
        _index = None


post_save.connect(reset_index, sender=Category, dispatch_uid="intake_category_search_save")
post_delete.connect(reset_index, sender=Category, dispatch_uid="intake_category_search_delete")


# --- searching ----------------------------------------------------------------------------------------


def normal_query(text: str) -> str:
    """Return the query as searched: trimmed, lower-case, without the spaces and apostrophes of pinyin."""
    return _NOT_LETTERS.sub("", (text or "").strip().lower())[:MAX_QUERY]


def search(text: str, limit: int = LIMIT) -> list[Hit]:
    """Return the matter categories the text names, by Chinese words, code or pinyin, best first."""
    query = normal_query(text)
    if not query:
        return []
    if _PINYIN_QUERY.fullmatch(query):
        return get_index().search(query, limit)
    found = search_categories(query, limit, kind=Category.Kind.MATTER)
    return [Hit(c.pk, c.code, c.name, c.class_name) for c in found]


@login_not_required
@require_GET
@cache_control(public=True, max_age=ANSWER_TTL)
def category_search(request: HttpRequest) -> JsonResponse:
    """Answer `?q=` with up to 12 matter categories as JSON: `{"q": …, "results": [{code, name, class_name}]}`."""
    query = request.GET.get("q", "")
    key = "intake:category-search:" + hashlib.sha256(normal_query(query).encode()).hexdigest()
    results = cache.get(key)
    if results is None:
        results = [hit.as_json() for hit in search(query)]
        cache.set(key, results, ANSWER_TTL)
    return JsonResponse(
        {"q": query[:MAX_QUERY], "results": results}, json_dumps_params={"ensure_ascii": False}
    )
