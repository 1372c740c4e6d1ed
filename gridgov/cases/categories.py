"""Category catalogue: load GB/T 47678.5 and the local extensions, search them, guess one from text.

The reference files live in `cases/data/` (see its README). Loading is idempotent: fields that come
from the reference files (names, synonyms, hints, classes) are refreshed on every load; fields an
administrator tunes (urgency, outcome unit, conditions, suggested department, automatic dispatch,
active) are set only when a row is created. Standard rows missing from the file are marked inactive,
never deleted: old cases keep their category.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gridgov.cases.models import Category, Domain, TimeLimit, TimeUnit, Urgency

DATA = Path(__file__).resolve().parent / "data"
STANDARD_FILE = DATA / "categories-gbt47678-5.csv"
HINTS_FILE = DATA / "category-hints.csv"
LOCAL_FILE = DATA / "local-categories.csv"

KIND_OF = {"部件": Category.Kind.COMPONENT, "事项": Category.Kind.MATTER}
# The source's "not yet assigned" placeholder is no department; keep the field empty instead.
UNASSIGNED = "待配置责任主体"

# Fields the reference files own: refreshed on every load. All others are set once, then the
# administrators' own.
SOURCE_FIELDS = (
    "domain",
    "class_code",
    "class_name",
    "name",
    "synonyms",
    "hint",
    "confusable_with",
    "standard",
)

# --- local choices for the standard's rows (data, not logic) ----------------------------------------

# 立案条件 / 结案条件 per matter class of the standard. Classes 01–05 are facilities (部件异常).
_FACILITY = (
    "部件存在破损、缺失、移位、倾斜、故障或污损，影响使用或安全，位置明确并有现场照片",
    "部件已修复、更换或补齐，恢复正常使用，处置前后同角度照片为证",
)
CLASS_CONDITIONS: dict[str, tuple[str, str]] = {
    "01": _FACILITY,
    "02": _FACILITY,
    "03": _FACILITY,
    "04": _FACILITY,
    "05": _FACILITY,
    "06": (
        "在城市道路、广场、绿地、水域等公共区域发现，有现场照片和明确位置，符合本事项所述情形",
        "现场已清理或整改到位，恢复整洁有序，处置后照片与处置前同一角度",
    ),
    "07": (
        "在公共区域或建筑物外立面发现违规设置、张贴或散发的广告、标识、宣传品，有现场照片",
        "违规广告、标识已拆除、清除或整改规范，处置后照片为证",
    ),
    "08": (
        "施工现场或施工影响范围内存在违规情形，施工主体或工地位置明确，有现场照片",
        "施工单位已整改到位或已依法处罚，现场恢复规范，处置后照片为证",
    ),
    "09": (
        "在道路、广场等公共区域发现影响街面秩序的行为，有现场照片和明确位置",
        "违规行为已劝离、纠正或依法处理，现场恢复正常秩序，处置后照片为证",
    ),
    "10": (
        "事项影响通行或公共安全，有现场照片和明确位置",
        "隐患已排除，现场恢复正常，处置后照片为证",
    ),
}
# Outcome units by a word of the standard name, first match wins; everything else counts in 处.
OUTCOME_UNITS: tuple[tuple[str, str], ...] = (
    ("井盖", "个"),
    ("树池", "处"),
    ("护树", "处"),
    ("树叶", "处"),
    ("箅子", "个"),
    ("盖板", "块"),
    ("路灯配电箱", "个"),
    ("灯", "盏"),
    ("树", "棵"),
    ("立杆", "根"),
    ("旗杆", "根"),
    ("电梯", "部"),
    ("公共厕所", "座"),
    ("垃圾箱", "个"),
    ("车辆", "辆"),
    ("乱停放", "辆"),
    ("共享单车", "辆"),
    ("动物尸体", "只"),
    ("报刊亭", "个"),
    ("电话亭", "个"),
    ("邮筒", "个"),
    ("座椅", "个"),
    ("充电桩", "个"),
    ("快递柜", "个"),
)
# Standard matters a dispatcher must see at once: open manholes, gas, power, lifts, signals, ice.
URGENT_CODES = frozenset(
    {"01026", "01047", "01048", "01049", "01057", "01076", "02014", "06033", "08013", "10001", "10002"}
)
URGENT_WORDS = ("井盖", "箅子")
# Sanitation matters that go straight to the grid's cleaner (the dispatcher is told, not asked).
CLEANER_CODES = frozenset({"06010", "06011", "06012", "06017", "06042"})
# Everyday words residents use for frequent standard matters, beyond the source's synonyms.
LOCAL_SYNONYMS: dict[str, str] = {
    "01037": "路灯不亮|路灯坏|灯不亮|路灯闪",
    "01002": "下水道井盖",
    "01023": "井盖丢了|井盖破了|井盖坏了|井盖缺失|井盖松动",
    "06010": "乱扔垃圾|垃圾没人清|地上垃圾",
    "06011": "建筑垃圾|渣土堆",
    "06013": "路面坑洼|坑洼|路面破损|路烂了",
    "06028": "太吵|噪音|广场舞|扰民",
    "06027": "油烟",
    "06029": "烧烤摊",
    "06034": "僵尸车",
    "07001": "牛皮癣|小广告",
    "09006": "摆摊|摊贩",
    "09009": "乱停车|违停",
    "09010": "电动车乱停",
    "09012": "堵消防通道",
    "10001": "结冰|路面结冰",
}

# Default time limits (category NULL) per urgency: (stage, amount, unit).
S, U = TimeLimit.Stage, TimeUnit
DEFAULT_LIMITS: dict[str, tuple[tuple[str, int, str], ...]] = {
    Urgency.NORMAL: (
        (S.ACCEPT, 2, U.WORK_HOURS),
        (S.DISPATCH, 2, U.WORK_HOURS),
        (S.SIGN, 4, U.WORK_HOURS),
        (S.HANDLE, 5, U.WORK_DAYS),
        (S.VERIFY, 1, U.WORK_DAYS),
        (S.WHOLE, 7, U.WORK_DAYS),
    ),
    Urgency.URGENT: (
        (S.ACCEPT, 30, U.MINUTES),
        (S.DISPATCH, 30, U.MINUTES),
        (S.SIGN, 1, U.NATURAL_HOURS),
        (S.HANDLE, 24, U.NATURAL_HOURS),
        (S.VERIFY, 4, U.WORK_HOURS),
        (S.WHOLE, 2, U.WORK_DAYS),
    ),
    Urgency.EMERGENCY: (
        (S.ACCEPT, 5, U.MINUTES),
        (S.DISPATCH, 5, U.MINUTES),
        (S.SIGN, 15, U.MINUTES),
        (S.HANDLE, 2, U.NATURAL_HOURS),
        (S.VERIFY, 1, U.NATURAL_HOURS),
        (S.WHOLE, 4, U.NATURAL_HOURS),
    ),
}


# --- reference rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitSpec:
    """A time limit of one category: urgency × stage → amount of a unit."""

    urgency: str
    stage: str
    amount: int
    unit: str


@dataclass(frozen=True)
class ReferenceRow:
    """The state the reference files give one category."""

    kind: str
    code: str
    source: dict[str, Any]
    initial: dict[str, Any]
    limits: tuple[LimitSpec, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.code)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _join(*groups: str, exclude: str = "") -> str:
    """Join |-separated groups into one, without duplicates or the excluded term, keeping order."""
    terms: dict[str, None] = {}
    for group in groups:
        for term in group.split("|"):
            term = term.strip()
            if term and term != exclude:
                terms[term] = None
    return "|".join(terms)


def outcome_unit_for(name: str) -> str:
    """Return the unit closing counts in for a standard name (路灯 → 盏, trees → 棵, default 处)."""
    return next((unit for word, unit in OUTCOME_UNITS if word in name), "处")


def _standard_row(raw: dict[str, str], hints: dict[str, dict[str, str]]) -> ReferenceRow:
    kind, code, name = KIND_OF[raw["kind"]], raw["code"], raw["name"]
    matter = kind == Category.Kind.MATTER
    hint = hints.get(code, {}) if matter else {}
    extra = LOCAL_SYNONYMS.get(code, "") if matter else ""
    register, close = CLASS_CONDITIONS.get(raw["class_code"], ("", "")) if matter else ("", "")
    urgent = matter and (code in URGENT_CODES or any(word in name for word in URGENT_WORDS))
    department = raw["default_department"]
    return ReferenceRow(
        kind=kind,
        code=code,
        source={
            "domain": Domain.CITY,
            "class_code": raw["class_code"],
            "class_name": raw["class_name"],
            "name": name,
            "synonyms": _join(raw["synonyms"], hint.get("synonyms", ""), extra, exclude=name),
            "hint": hint.get("rule", ""),
            "confusable_with": hint.get("confusable_with", ""),
            "standard": True,
        },
        initial={
            "suggested_department": "" if department == UNASSIGNED else department,
            "default_urgency": Urgency.URGENT if urgent else Urgency.NORMAL,
            "outcome_unit": outcome_unit_for(name),
            "register_condition": register,
            "close_condition": close,
            "auto_dispatch_role": "cleaner" if matter and code in CLEANER_CODES else "",
        },
    )


def _limits(text: str) -> tuple[LimitSpec, ...]:
    """Parse `urgency:stage:amount:unit|…` of the local file."""
    specs = []
    for part in filter(None, text.split("|")):
        urgency, stage, amount, unit = part.split(":")
        specs.append(LimitSpec(Urgency(urgency), TimeLimit.Stage(stage), int(amount), TimeUnit(unit)))
    return tuple(specs)


def _local_row(raw: dict[str, str]) -> ReferenceRow:
    return ReferenceRow(
        kind=Category.Kind.MATTER,
        code=raw["code"],
        source={
            "domain": Domain(raw["domain"]),
            "class_code": raw["class_code"],
            "class_name": raw["class_name"],
            "name": raw["name"],
            "synonyms": _join(raw["synonyms"], exclude=raw["name"]),
            "hint": "",
            "confusable_with": "",
            "standard": False,
        },
        initial={
            "suggested_department": raw["suggested_department"],
            "default_urgency": Urgency(raw["default_urgency"]),
            "outcome_unit": raw["outcome_unit"] or "处",
            "register_condition": raw["register_condition"],
            "close_condition": raw["close_condition"],
            "auto_dispatch_role": raw["auto_dispatch_role"],
        },
        limits=_limits(raw["time_limits"]),
    )


@cache
def reference_rows() -> tuple[ReferenceRow, ...]:
    """Return the standard's 403 rows followed by the local extensions, as the files give them."""
    hints = {row["code"]: row for row in _read(HINTS_FILE)}
    standard = [_standard_row(raw, hints) for raw in _read(STANDARD_FILE)]
    local = [_local_row(raw) for raw in _read(LOCAL_FILE)]
    return (*standard, *local)


# --- loading ---------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load did (or, in a dry run, would do)."""

    committed: bool
    standard_rows: int = 0
    local_rows: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    limits_added: int = 0

    @property
    def changes(self) -> int:
        """Return the number of rows written (or to be written)."""
        return len(self.added) + len(self.updated) + len(self.deactivated) + self.limits_added

    def summary(self) -> str:
        """Return one line of counts for the command's output."""
        return _(
            "%(standard)d standard and %(local)d local categories read: %(added)d added, %(updated)d "
            "updated, %(deactivated)d marked inactive, %(limits)d time limits added."
        ) % {
            "standard": self.standard_rows,
            "local": self.local_rows,
            "added": len(self.added),
            "updated": len(self.updated),
            "deactivated": len(self.deactivated),
            "limits": self.limits_added,
        }


def _label(category: Any) -> str:
    return f"{category.kind} {category.code} {category.name}"


def load_categories(
    commit: bool = False,
    *,
    category_model: Any = Category,
    time_limit_model: Any = TimeLimit,
    using: str = "default",
) -> LoadReport:
    """Bring the categories and default time limits up to the reference files; write only if commit.

    Migrations pass their historical models: keep this to the fields of `0001_initial`.
    """
    rows = reference_rows()
    report = LoadReport(committed=commit)
    report.standard_rows = sum(row.source["standard"] for row in rows)
    report.local_rows = len(rows) - report.standard_rows
    existing = {(c.kind, c.code): c for c in category_model.objects.using(using).all()}
    new, changed = _plan_categories(rows, existing, category_model, report)
    limits = _plan_limits(rows, new, time_limit_model, using)
    report.limits_added = len(limits)
    if commit:
        with transaction.atomic(using=using):
            _write(category_model, time_limit_model, using, new, changed, limits)
    return report


def _plan_categories(
    rows: Iterable[ReferenceRow], existing: dict[tuple[str, str], Any], model: Any, report: LoadReport
) -> tuple[list[Any], list[Any]]:
    """Return the categories to create and those to update, recording each in the report."""
    new, changed = [], []
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            created = model(kind=row.kind, code=row.code, **row.source, **row.initial)
            new.append(created)
            report.added.append(_label(created))
        elif fields := [name for name, value in row.source.items() if getattr(current, name) != value]:
            before = _label(current)
            for name in fields:
                setattr(current, name, row.source[name])
            changed.append(current)
            renamed = f" → {current.name}" if "name" in fields else ""
            report.updated.append(f"{before}{renamed} ({', '.join(fields)})")
    wanted = {row.key for row in rows}
    for key, current in sorted(existing.items()):
        if current.standard and current.active and key not in wanted:
            current.active = False
            changed.append(current)
            report.deactivated.append(_label(current))
    return new, changed


def _plan_limits(
    rows: Iterable[ReferenceRow], new: list[Any], model: Any, using: str
) -> list[tuple[tuple[str, str] | None, LimitSpec]]:
    """Return the missing default limits and the limits of categories about to be created."""
    have = set(model.objects.using(using).filter(category__isnull=True).values_list("urgency", "stage"))
    missing: list[tuple[tuple[str, str] | None, LimitSpec]] = [
        (None, LimitSpec(urgency, stage, amount, unit))
        for urgency, specs in DEFAULT_LIMITS.items()
        for stage, amount, unit in specs
        if (urgency, stage) not in have
    ]
    # A category's own limits are seeded with it only: an administrator who deletes one to fall
    # back on the defaults must not see it come back on the next load.
    created = {(c.kind, c.code) for c in new}
    missing += [(row.key, spec) for row in rows if row.key in created for spec in row.limits]
    return missing


def _write(
    category_model: Any,
    time_limit_model: Any,
    using: str,
    new: list[Any],
    changed: list[Any],
    limits: list[tuple[tuple[str, str] | None, LimitSpec]],
) -> None:
    category_model.objects.using(using).bulk_create(new)
    if changed:
        category_model.objects.using(using).bulk_update(changed, [*SOURCE_FIELDS, "active"])
    keys = {key for key, _spec in limits if key is not None}
    ids = {
        (c.kind, c.code): c.pk
        for c in category_model.objects.using(using).filter(code__in={code for _kind, code in keys})
    }
    time_limit_model.objects.using(using).bulk_create(
        time_limit_model(
            category_id=ids[key] if key else None,
            urgency=spec.urgency,
            stage=spec.stage,
            amount=spec.amount,
            unit=spec.unit,
        )
        for key, spec in limits
    )


# --- search and guessing ---------------------------------------------------------------------------

_BRACKETS = re.compile(r"（[^）]*）|\([^)]*\)")
_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub("", text).lower()


def terms_of(name: str, synonyms: str) -> list[str]:
    """Return the words a category is known by: its name, the name without brackets, its synonyms."""
    words = [name, _BRACKETS.sub("", name), *synonyms.split("|")]
    return list(dict.fromkeys(_normal(word) for word in words if word.strip()))


def search_categories(
    text: str, limit: int = 20, *, kind: str | None = Category.Kind.MATTER
) -> list[Category]:
    """Return active categories matching the text by code, name, synonym or class, best first.

    Ranking: exact code or name, name prefix, synonym, name substring, synonym substring, class.
    """
    query = text.strip()
    if not query:
        return []
    found = Category.objects.filter(active=True).filter(
        Q(code__istartswith=query)
        | Q(name__icontains=query)
        | Q(synonyms__icontains=query)
        | Q(class_name__icontains=query)
    )
    if kind:
        found = found.filter(kind=kind)
    # A code typed in lists in code order; words list the shortest (most general) names first.
    by_code = query.isascii() and query.isalnum()
    ranked = sorted(
        found,
        key=lambda c: (_search_rank(c, query.lower()), 0 if by_code else len(c.name), c.kind, c.code),
    )
    return ranked[:limit]


def _search_rank(category: Category, query: str) -> int:
    name, code = category.name.lower(), category.code.lower()
    synonyms = [term.lower() for term in category.synonyms.split("|") if term]
    if code == query or name == query:
        return 0
    if name.startswith(query) or code.startswith(query):
        return 1
    if query in synonyms:
        return 2
    if query in name:
        return 3
    if any(query in term for term in synonyms):
        return 4
    return 5


@dataclass(frozen=True)
class Guess:
    """The best matter for a text: the category, a score in (0, 2], and the term that matched."""

    category: Category
    score: float
    term: str


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def term_score(term: str, text: str, text_bigrams: set[str]) -> float:
    """Score how well a term fits the text: a literal hit beats any partial one, longer beats shorter.

    A literal hit scores 1 + len/10 (at most 1.8); otherwise the share of the term's character pairs
    present in the text, counted from half upwards and kept below 1 (乱扔垃圾 still finds 乱倒垃圾).
    """
    if len(term) < 2:
        return 0.0
    if term in text:
        return 1.0 + min(len(term), 8) / 10
    pairs = _bigrams(term)
    if len(term) < 3 or not pairs:
        return 0.0
    share = len(pairs & text_bigrams) / len(pairs)
    return round(share * 0.9, 4) if share >= 0.5 else 0.0


def _matter_terms() -> Iterator[tuple[int, str, list[str]]]:
    rows = Category.objects.filter(active=True, kind=Category.Kind.MATTER).values_list(
        "pk", "code", "name", "synonyms"
    )
    for pk, code, name, synonyms in rows:
        yield pk, code, terms_of(name, synonyms)


def guess_category(text: str) -> Guess | None:
    """Return the active matter whose name or synonyms (hint synonyms included) best fit the text."""
    body = _normal(text)
    if len(body) < 2:
        return None
    pairs = _bigrams(body)
    hits = [
        (score, term, code, pk)
        for pk, code, terms in _matter_terms()
        for term in terms
        if (score := term_score(term, body, pairs)) > 0
    ]
    if not hits:
        return None
    # Ties: the longer term, then the lower code (the standard before the local extensions).
    score, term, _code, pk = min(hits, key=lambda hit: (-hit[0], -len(hit[1]), hit[2]))
    return Guess(category=Category.objects.get(pk=pk), score=score, term=term)
