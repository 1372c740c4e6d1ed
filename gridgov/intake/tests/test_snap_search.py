"""Category search for residents: Chinese words, codes, pinyin initials and full pinyin; a cached JSON endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from gridgov.cases.models import Category
from gridgov.intake import category_search
from gridgov.intake.category_search import normal_query, search, syllables_of

STREET_LIGHT = "路灯异常"


@pytest.fixture(autouse=True)
def fresh(db: None) -> Iterator[None]:
    """Start from an empty answer cache and a fresh index (categories come from the migrations)."""
    cache.clear()
    category_search.reset_index()
    yield
    cache.clear()
    category_search.reset_index()


def names(query: str) -> list[str]:
    return [hit.name for hit in search(query)]


def test_pinyin_initials_find_the_street_light_first() -> None:
    found = names("ld")

    assert found[0] == STREET_LIGHT
    assert {"路灯井盖异常", "路灯配电箱异常"} <= set(found)


@pytest.mark.parametrize("query", ["ludeng", "LuDeng", "lu deng", "lu'deng", "lud", "ldyc", "ludengyc"])
def test_full_pinyin_and_mixtures_find_the_street_light_first(query: str) -> None:
    assert names(query)[0] == STREET_LIGHT


def test_full_pinyin_finds_only_what_it_spells() -> None:
    assert set(names("ludeng")) == {"路灯异常", "路灯井盖异常", "路灯配电箱异常"}
    assert names("ludengjinggai") == ["路灯井盖异常"]


def test_a_syllable_inside_a_name_is_found_after_those_it_begins() -> None:
    found = names("deng")

    assert found[:1] == [STREET_LIGHT]  # its synonym 灯不亮 …, and 路灯 has 灯 second
    assert "交通信号灯异常" in found


def test_chinese_words_and_codes_use_the_catalogue_search() -> None:
    assert names("路灯")[0] == STREET_LIGHT
    assert names("01037") == [STREET_LIGHT]


def test_nothing_is_found_for_nothing_or_for_letters_that_spell_no_category() -> None:
    assert search("") == [] and search("   ") == []
    assert search("zzzzzz") == []


def test_only_active_matters_are_found() -> None:
    assert all(hit.code != "01037" or hit.name == STREET_LIGHT for hit in search("ld"))
    Category.objects.filter(code="01037", kind=Category.Kind.MATTER).update(active=False)
    category_search.reset_index()  # update() sends no signal; the TTL would catch it in other processes

    assert STREET_LIGHT not in names("ld")
    assert all(hit.name != "路灯" for hit in search("ld"))  # the component 路灯 is no matter


def test_a_new_category_is_found_at_once_in_this_process() -> None:
    assert names("yhwd") == []

    Category.objects.create(code="X9001", class_code="99", class_name="测试类", name="银行网点异常")

    assert names("yhwd") == ["银行网点异常"]


def test_the_usual_reading_of_a_word_ranks_before_another_reading_of_its_characters() -> None:
    Category.objects.create(code="X9001", class_code="99", class_name="测试类", name="落灯异常")

    # 路 is read "lu", and rarely "luo", which is how 落 is read.
    assert names("luodeng")[:2] == ["落灯异常", STREET_LIGHT]
    assert names("ludeng")[0] == STREET_LIGHT


def test_latin_words_and_numbers_stay_whole_syllables() -> None:
    assert syllables_of("LED显示屏")[0] == ("led", "xian", "shi", "ping")
    assert syllables_of("5G基站")[0] == ("5g", "ji", "zhan")


def test_queries_are_trimmed_and_bounded() -> None:
    assert normal_query("  Lu Deng ") == "ludeng"
    assert len(normal_query("l" * 500)) == category_search.MAX_QUERY


# --- the endpoint -----------------------------------------------------------------------------------


def test_the_endpoint_answers_without_login_in_json(db: None) -> None:
    response = Client().get("/report/categories/", {"q": "ld"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "路灯异常" in response.content.decode()  # not \\u escapes
    body = response.json()
    assert body["q"] == "ld"
    assert body["results"][0] == {"code": "01037", "name": "路灯异常", "class_name": "市政公用设施类"}


def test_the_endpoint_answers_from_the_cache_and_lets_browsers_keep_it(
    db: None, django_assert_num_queries: Any
) -> None:
    first = Client().get("/report/categories/", {"q": "路灯"})

    with django_assert_num_queries(0):
        again = Client().get("/report/categories/", {"q": "路灯"})

    assert again.json() == first.json()
    assert "public" in again["Cache-Control"] and "max-age=300" in again["Cache-Control"]


@pytest.mark.parametrize("query", ["", "<script>", "'; DROP TABLE cases_case; --", "路" * 5000, "%00"])
def test_the_endpoint_takes_any_query_without_error(db: None, query: str) -> None:
    response = Client().get("/report/categories/", {"q": query})

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_the_endpoint_takes_only_get(db: None) -> None:
    assert Client().post("/report/categories/", {"q": "ld"}).status_code == 405
