from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from gridgov.lib.env import env_bool, env_int, env_list, env_str


def test_it_returns_defaults_for_unset_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRIDGOV_TEST_VALUE", raising=False)
    assert env_str("GRIDGOV_TEST_VALUE", "x") == "x"
    assert env_bool("GRIDGOV_TEST_VALUE", True) is True
    assert env_int("GRIDGOV_TEST_VALUE", 7) == 7
    assert env_list("GRIDGOV_TEST_VALUE", ["a"]) == ["a"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)]
)
def test_it_reads_the_usual_boolean_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("GRIDGOV_TEST_VALUE", raw)
    assert env_bool("GRIDGOV_TEST_VALUE", not expected) is expected


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_TEST_VALUE", "maybe")
    with pytest.raises(ImproperlyConfigured, match="GRIDGOV_TEST_VALUE"):
        env_bool("GRIDGOV_TEST_VALUE", False)


def test_it_refuses_an_integer_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_TEST_VALUE", "eight")
    with pytest.raises(ImproperlyConfigured, match="must be an integer"):
        env_int("GRIDGOV_TEST_VALUE", 1)


def test_it_splits_lists_on_commas_and_drops_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGOV_TEST_VALUE", "a.example, b.example,,")
    assert env_list("GRIDGOV_TEST_VALUE", []) == ["a.example", "b.example"]
