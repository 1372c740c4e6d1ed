"""The category catalogue: loaded by migration, reloaded idempotently, searched and guessed from text."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from gridgov.cases.categories import LOCAL_FILE, guess_category, load_categories, search_categories
from gridgov.cases.models import Category, Domain, TimeLimit, TimeUnit, Urgency

pytestmark = pytest.mark.django_db
MATTER, COMPONENT = Category.Kind.MATTER, Category.Kind.COMPONENT


def local_rows() -> int:
    with LOCAL_FILE.open(encoding="utf-8", newline="") as handle:
        return len(list(csv.DictReader(handle)))


def matter(code: str) -> Category:
    return Category.objects.get(kind=MATTER, code=code)


def limit(category: Category | None, urgency: str, stage: str) -> tuple[int, str]:
    row = TimeLimit.objects.get(category=category, urgency=urgency, stage=stage)
    return row.amount, row.unit


# --- loading ---------------------------------------------------------------------------------------


def test_the_migration_loads_the_standard_the_local_extensions_and_the_default_limits() -> None:
    standard = Category.objects.filter(standard=True)
    assert standard.count() == 403
    assert standard.filter(kind=COMPONENT).count() == 153
    assert standard.filter(kind=MATTER).count() == 250
    assert set(standard.values_list("domain", flat=True)) == {Domain.CITY}
    local = Category.objects.filter(standard=False)
    assert local.count() == local_rows() >= 40
    assert set(local.values_list("domain", flat=True)) == {Domain.SOCIAL, Domain.LIVELIHOOD}
    assert set(local.values_list("kind", flat=True)) == {MATTER}
    assert TimeLimit.objects.filter(category__isnull=True).count() == 18


def test_a_second_load_changes_nothing() -> None:
    report = load_categories(commit=True)
    assert report.changes == 0
    assert (report.standard_rows, report.local_rows) == (403, local_rows())


def test_a_dry_run_writes_nothing_and_a_commit_writes_what_it_announced() -> None:
    Category.objects.all().delete()
    TimeLimit.objects.all().delete()
    dry = load_categories(commit=False)
    assert len(dry.added) == 403 + local_rows()
    assert dry.limits_added > 18  # the defaults plus the limits of some local categories
    assert Category.objects.count() == TimeLimit.objects.count() == 0

    done = load_categories(commit=True)
    assert (len(done.added), done.limits_added) == (len(dry.added), dry.limits_added)
    assert Category.objects.count() == len(dry.added)
    assert TimeLimit.objects.count() == dry.limits_added
    assert load_categories(commit=True).changes == 0


def test_a_reload_restores_standard_names_but_keeps_what_administrators_set() -> None:
    lamp = matter("01037")
    Category.objects.filter(pk=lamp.pk).update(
        name="路灯坏了", synonyms="", outcome_unit="杆", default_urgency=Urgency.URGENT, active=False
    )
    report = load_categories(commit=True)
    assert report.updated == ["matter 01037 路灯坏了 → 路灯异常 (name, synonyms)"]
    lamp.refresh_from_db()
    assert lamp.name == "路灯异常"
    assert "路灯" in lamp.synonyms.split("|")
    assert (lamp.outcome_unit, lamp.default_urgency, lamp.active) == ("杆", Urgency.URGENT, False)


def test_standard_rows_missing_from_the_file_become_inactive_and_local_additions_stay() -> None:
    gone = Category.objects.create(
        code="06031", class_code="06", class_name="市容环境类", name="旧事项", standard=True
    )
    ours = Category.objects.create(code="S09001", class_code="S09", class_name="本地", name="本区自定事项")
    report = load_categories(commit=True)
    assert report.deactivated == ["matter 06031 旧事项"]
    gone.refresh_from_db()
    ours.refresh_from_db()
    assert (gone.active, ours.active) == (False, True)


def test_a_category_limit_an_administrator_deleted_does_not_come_back() -> None:
    disputes = matter("S01001")
    assert limit(disputes, Urgency.NORMAL, TimeLimit.Stage.HANDLE) == (10, TimeUnit.WORK_DAYS)
    TimeLimit.objects.filter(category=disputes).delete()
    assert load_categories(commit=True).limits_added == 0
    assert not TimeLimit.objects.filter(category=disputes).exists()


def test_missing_default_limits_are_added_back_without_touching_edited_ones() -> None:
    TimeLimit.objects.filter(category__isnull=True, urgency=Urgency.NORMAL, stage="accept").delete()
    TimeLimit.objects.filter(category__isnull=True, urgency=Urgency.NORMAL, stage="handle").update(amount=3)
    assert load_categories(commit=True).limits_added == 1
    assert limit(None, Urgency.NORMAL, "accept") == (2, TimeUnit.WORK_HOURS)
    assert limit(None, Urgency.NORMAL, "handle") == (3, TimeUnit.WORK_DAYS)


@pytest.mark.parametrize(
    ("urgency", "stage", "expected"),
    [
        (Urgency.NORMAL, "accept", (2, TimeUnit.WORK_HOURS)),
        (Urgency.NORMAL, "sign", (4, TimeUnit.WORK_HOURS)),
        (Urgency.NORMAL, "handle", (5, TimeUnit.WORK_DAYS)),
        (Urgency.NORMAL, "whole", (7, TimeUnit.WORK_DAYS)),
        (Urgency.URGENT, "dispatch", (30, TimeUnit.MINUTES)),
        (Urgency.URGENT, "handle", (24, TimeUnit.NATURAL_HOURS)),
        (Urgency.URGENT, "verify", (4, TimeUnit.WORK_HOURS)),
        (Urgency.EMERGENCY, "accept", (5, TimeUnit.MINUTES)),
        (Urgency.EMERGENCY, "sign", (15, TimeUnit.MINUTES)),
        (Urgency.EMERGENCY, "whole", (4, TimeUnit.NATURAL_HOURS)),
    ],
)
def test_default_limits_follow_the_urgency(urgency: str, stage: str, expected: tuple[int, str]) -> None:
    assert limit(None, urgency, stage) == expected


# --- what the rows carry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "unit"),
    [("01037", "盏"), ("04002", "棵"), ("06022", "棵"), ("01001", "个"), ("07003", "处"), ("06034", "辆")],
)
def test_standard_matters_count_their_outcome_in_a_fitting_unit(code: str, unit: str) -> None:
    assert matter(code).outcome_unit == unit


def test_every_matter_has_registration_and_closing_conditions() -> None:
    matters = Category.objects.filter(kind=MATTER)
    assert not matters.filter(register_condition="").exists()
    assert not matters.filter(close_condition="").exists()


def test_sanitation_matters_go_straight_to_the_grid_cleaner() -> None:
    assert matter("06010").auto_dispatch_role == "cleaner"
    assert matter("06011").auto_dispatch_role == "cleaner"
    assert matter("01037").auto_dispatch_role == ""


def test_open_manholes_and_lost_children_are_not_normal_matters() -> None:
    assert matter("01003").default_urgency == Urgency.URGENT
    assert matter("06010").default_urgency == Urgency.NORMAL
    for name in ("走失人员", "燃气泄漏或异味", "倒伏树木阻断道路"):
        assert Category.objects.get(name=name).default_urgency == Urgency.EMERGENCY


def test_hints_bring_synonyms_rules_and_confusable_codes() -> None:
    overflow = matter("06042")
    assert "垃圾外溢" in overflow.synonyms.split("|")
    assert overflow.confusable_with == "06010|06011|06041"
    assert "满溢" in overflow.hint


def test_unassigned_departments_are_left_empty() -> None:
    assert matter("10001").suggested_department == ""
    assert matter("01037").suggested_department == "市政公用部门"


# --- search and guesses ----------------------------------------------------------------------------


def test_search_puts_the_exact_name_first_and_leaves_out_components() -> None:
    found = search_categories("路灯异常")
    assert found[0].code == "01037"
    assert all(category.kind == MATTER for category in search_categories("路灯"))
    assert [c.code for c in search_categories("路灯")][:1] == ["01037"]


def test_search_finds_by_synonym_code_and_class() -> None:
    assert search_categories("垃圾外溢")[0].code == "06042"
    by_code = [c.code for c in search_categories("0603", limit=50)]
    assert by_code == sorted(by_code) and by_code[0] == "06030"
    assert {"S01001", "S01004"} <= {c.code for c in search_categories("矛盾纠纷", limit=50)}
    assert search_categories("  ") == []


def test_search_skips_inactive_categories() -> None:
    Category.objects.filter(kind=MATTER, code="01037").update(active=False)
    assert "01037" not in [c.code for c in search_categories("路灯")]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("小区门口路灯坏了好几天", {"01037"}),
        ("绿化带里有人乱扔垃圾", {"06010", "06011", "06017"}),
        ("楼上有人往下扔东西", {"S02005"}),
        ("垃圾桶满了，垃圾外溢到路上", {"06042"}),
        ("楼道里一股煤气味，很担心", {"S02006"}),
        ("我家孩子放学后走丢了", {"S03001"}),
        ("大风把树吹倒了，树倒在路上车过不去", {"S02007"}),
        ("楼上卫生间漏水，我家天花板在滴水", {"L01004"}),
        ("人行道上有人摆摊卖水果", {"09006"}),
        ("邻居吵架吵了一晚上", {"S01001"}),
        ("有人在小区里飞线充电", {"S02004"}),
        ("马路边停了一辆僵尸车好几个月", {"06034"}),
    ],
)
def test_it_guesses_the_matter_of_a_residents_report(text: str, codes: set[str]) -> None:
    guess = guess_category(text)
    assert guess is not None
    assert guess.category.code in codes, (guess.category, guess.term)
    assert guess.term and guess.score > 0


def test_a_literal_term_beats_a_partial_one() -> None:
    guess = guess_category("垃圾桶满溢")
    assert guess is not None
    assert guess.score > 1 and guess.category.code == "06042"


def test_it_guesses_nothing_from_text_without_a_known_term() -> None:
    assert guess_category("今天天气很好") is None
    assert guess_category("") is None


def test_it_does_not_guess_an_inactive_category() -> None:
    Category.objects.filter(code="S02005").update(active=False)
    guess = guess_category("楼上有人往下扔东西")
    assert guess is None or guess.category.code != "S02005"


# --- the command -----------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_categories", *args, stdout=out)
    return out.getvalue()


def test_the_command_is_a_dry_run_unless_told_to_commit() -> None:
    Category.objects.filter(kind=MATTER, code="01037").update(name="旧名")
    dry = run()
    assert "~ matter 01037 旧名 → 路灯异常 (name)" in dry
    assert "1 updated" in dry and "Dry run" in dry
    assert matter("01037").name == "旧名"
    committed = run("--commit")
    assert "1 updated" in committed and "Dry run" not in committed
    assert matter("01037").name == "路灯异常"
    assert "0 added, 0 updated, 0 marked inactive, 0 time limits added" in run()
