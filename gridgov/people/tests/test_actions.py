"""Actions on staff, posts and residents: validation, encryption at rest, lookup, logged reveals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from gridgov.people import actions, policy
from gridgov.people.models import Level, Post, Resident, RevealLog, Role, User
from gridgov.people.tests.conftest import id_number
from gridgov.territory.models import Household
from gridgov.testing import MiniDistrict

# --- residents: registration and validation --------------------------------------------------------


def test_it_registers_a_resident_with_birth_date_and_gender_from_the_id_number(
    household_a1: Household,
) -> None:
    number = id_number(22, date(1948, 5, 2))
    resident = actions.create_resident(
        household_a1,
        " 刘阿姨 ",
        number.lower(),
        "+86 138-0731-2345",
        ["elderly_alone", "low_income"],
        by=None,
    )
    stored = Resident.objects.get(pk=resident.pk)
    assert (stored.name, stored.gender, stored.birth_date) == ("刘阿姨", "F", date(1948, 5, 2))
    assert stored.id_number == number
    assert stored.phone == "13807312345"
    assert stored.tags == ["elderly_alone", "low_income"]


def test_the_stored_columns_do_not_contain_the_clear_id_number_or_phone(resident_a1: Resident) -> None:
    number = resident_a1.id_number
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash, phone_encrypted, phone_hash FROM people_resident"
        )
        row = cursor.fetchone()
    stored = " ".join(row)
    assert number not in stored
    assert number[6:14] not in stored  # not even the birth date part
    assert "13807312345" not in stored
    assert row[0].startswith("v1:")


def test_the_same_value_encrypts_differently_each_time(
    household_a1: Household, household_b1: Household
) -> None:
    one = actions.create_resident(household_a1, "甲", id_number(31), "13807310001", [], by=None)
    two = actions.create_resident(household_b1, "乙", id_number(33), "13807310001", [], by=None)
    assert one.phone_encrypted != two.phone_encrypted
    assert one.phone_hash == two.phone_hash


def mistyped(number: str) -> str:
    """Return the ID number with a wrong check digit."""
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("bad_id", "message"),
    [
        (mistyped(id_number(22)), "The check digit does not match; a digit is probably mistyped."),
        (id_number(22)[:17], "An ID number has 18 characters."),
        ("430204480502022", "15-digit ID numbers are no longer valid; give the 18-character number."),
        ("", "The ID number is empty."),
    ],
)
def test_a_bad_id_number_gives_a_translated_error_and_writes_nothing(
    household_a1: Household, bad_id: str, message: str
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        actions.create_resident(household_a1, "刘阿姨", bad_id, "13807312345", [], by=None)
    assert caught.value.message_dict["id_number"] == [message]
    assert Resident.objects.count() == 0


def test_a_bad_phone_gives_a_translated_error_and_writes_nothing(household_a1: Household) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        actions.create_resident(household_a1, "刘阿姨", id_number(22), "1380731", [], by=None)
    assert caught.value.message_dict["phone"] == ["A mobile number has 11 digits and starts with 13 to 19."]
    assert Resident.objects.count() == 0


def test_every_bad_field_is_reported_at_once(household_a1: Household) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.create_resident(household_a1, "", "123", "abc", ["no_such_tag"], by=None)
    assert set(caught.value.message_dict) == {"name", "id_number", "phone", "care_tags"}


def test_it_refuses_a_second_resident_with_the_same_id_number(
    resident_a1: Resident, household_b1: Household
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        actions.create_resident(household_b1, "冒名", resident_a1.id_number, "", [], by=None)
    assert caught.value.message_dict["id_number"] == ["A resident with this ID number is already registered."]
    assert Resident.objects.count() == 1


def test_a_resident_without_phone_is_stored_without_phone(household_a1: Household) -> None:
    resident = actions.create_resident(household_a1, "小明", id_number(41, date(2015, 6, 1)), "", [], by=None)
    assert (resident.phone_encrypted, resident.phone_hash, resident.phone_masked) == ("", "", "")


def test_a_grid_worker_registers_residents_of_their_grid_only(
    mini: MiniDistrict, household_a1: Household, household_b1: Household
) -> None:
    actions.create_resident(household_a1, "甲", id_number(31), "", [], by=mini.worker_a)
    with pytest.raises(PermissionDenied):
        actions.create_resident(household_b1, "乙", id_number(33), "", [], by=mini.worker_a)
    with pytest.raises(PermissionDenied):
        actions.create_resident(household_a1, "丙", id_number(35), "", [], by=mini.police_a)
    assert list(Resident.objects.values_list("name", flat=True)) == ["甲"]


def test_correcting_a_resident_keeps_the_fields_not_given(resident_a1: Resident, mini: MiniDistrict) -> None:
    number = resident_a1.id_number
    actions.update_resident(resident_a1, by=mini.worker_a, phone="0731-28221234", care_tags=[])
    stored = Resident.objects.get(pk=resident_a1.pk)
    assert (stored.name, stored.id_number, stored.phone, stored.tags) == (
        "刘阿姨",
        number,
        "0731-28221234",
        [],
    )
    assert actions.find_residents_by_phone("0731 2822 1234") == [stored]
    actions.update_resident(stored, by=mini.worker_a, phone="")
    assert Resident.objects.get(pk=resident_a1.pk).phone == ""


def test_a_failed_correction_changes_nothing(resident_a1: Resident, resident_b1: Resident) -> None:
    with pytest.raises(ValidationError):
        actions.update_resident(resident_b1, by=None, name="新名字", id_number=resident_a1.id_number)
    stored = Resident.objects.get(pk=resident_b1.pk)
    assert stored.name == "陈师傅"
    assert stored.id_number_hash == resident_b1.id_number_hash


# --- lookup by keyed hash --------------------------------------------------------------------------


def test_it_finds_a_resident_by_id_number_however_it_is_typed(resident_a1: Resident) -> None:
    number = resident_a1.id_number
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert actions.find_resident_by_id_number(spaced) == resident_a1
    assert actions.find_resident_by_id_number(id_number(99)) is None
    assert actions.find_resident_by_id_number("not a number") is None


def test_lookup_only_finds_residents_the_user_sees(mini: MiniDistrict, resident_a1: Resident) -> None:
    number = resident_a1.id_number
    assert actions.find_resident_by_id_number(number, user=mini.worker_a) == resident_a1
    assert actions.find_resident_by_id_number(number, user=mini.worker_b) is None
    assert actions.find_residents_by_phone("13807312345", user=mini.handler) == []


def test_it_finds_everyone_sharing_a_phone(household_a1: Household) -> None:
    mother = actions.create_resident(household_a1, "母亲", id_number(42), "13807310009", [], by=None)
    child = actions.create_resident(
        household_a1, "孩子", id_number(43, date(2016, 1, 1)), "138 0731 0009", [], by=None
    )
    assert actions.find_residents_by_phone("+8613807310009") == [mother, child]
    assert actions.find_residents_by_phone("12345") == []


# --- reveal ----------------------------------------------------------------------------------------


@time_machine.travel("2025-03-04 09:30 +08:00", tick=False)
def test_a_reveal_returns_the_clear_value_and_writes_a_log_row(
    mini: MiniDistrict, resident_a1: Resident
) -> None:
    value = actions.reveal(mini.worker_a, resident_a1, "id_number", "上门核实低保材料")
    assert value == resident_a1.id_number
    log = RevealLog.objects.get()
    assert (log.user, log.resident, log.field, log.reason) == (
        mini.worker_a,
        resident_a1,
        "id_number",
        "上门核实低保材料",
    )
    assert log.at == datetime(2025, 3, 4, 1, 30, tzinfo=UTC)
    assert actions.reveal(mini.police_a, resident_a1, "phone", "联系走失老人家属") == "13807312345"
    assert RevealLog.objects.count() == 2


@pytest.mark.parametrize("persona", ["worker_b", "leader", "dispatcher", "handler", "street_dispatcher"])
def test_a_reveal_outside_ones_rights_is_refused_and_not_logged(
    mini: MiniDistrict, resident_a1: Resident, persona: str
) -> None:
    with pytest.raises(PermissionDenied):
        actions.reveal(getattr(mini, persona), resident_a1, "phone", "想看看")
    assert RevealLog.objects.count() == 0


def test_a_reveal_needs_a_reason(mini: MiniDistrict, resident_a1: Resident) -> None:
    with pytest.raises(ValidationError):
        actions.reveal(mini.worker_a, resident_a1, "id_number", "   ")
    assert RevealLog.objects.count() == 0


def test_only_id_number_and_phone_can_be_revealed(mini: MiniDistrict, resident_a1: Resident) -> None:
    with pytest.raises(ValueError, match="not a revealable field"):
        actions.reveal(mini.admin, resident_a1, "id_number_encrypted", "审计")


# --- staff and posts -------------------------------------------------------------------------------


def test_an_administrator_creates_staff_with_a_checked_phone(mini: MiniDistrict) -> None:
    user = actions.create_staff(
        "cleaner_a", "赵保洁", by=mini.admin, phone="0731 2822 1234", education="vocational", birth_year=1975
    )
    stored = User.objects.get(username="cleaner_a")
    assert (stored.full_name, stored.phone, stored.education) == ("赵保洁", "0731-28221234", "vocational")
    assert not stored.has_usable_password()
    assert user.pk == stored.pk


def test_creating_staff_refuses_a_taken_name_a_bad_phone_and_non_administrators(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError):
        actions.create_staff("WORKER_A", "重名", by=mini.admin)
    with pytest.raises(ValidationError):
        actions.create_staff("new_one", "新人", by=mini.admin, phone="12")
    with pytest.raises(PermissionDenied):
        actions.create_staff("new_two", "新人", by=mini.leader)
    assert not User.objects.filter(username__startswith="new_").exists()


@time_machine.travel("2025-03-01 08:00 +08:00", tick=False)
def test_assigning_and_ending_a_post_keeps_its_history(mini: MiniDistrict) -> None:
    cleaner = actions.create_staff("cleaner_a", "赵保洁", by=mini.admin)
    post = actions.assign_post(cleaner, Role.CLEANER, mini.grid_a1, by=mini.admin)
    assert (post.level, post.grid, post.assigned_by, post.active) == (
        Level.GRID,
        mini.grid_a1,
        mini.admin,
        True,
    )
    assert policy.can_view_grid(cleaner, mini.grid_a1)
    with time_machine.travel("2025-06-30 18:00 +08:00", tick=False):
        actions.end_post(post, by=mini.admin)
    stored = Post.objects.get(pk=post.pk)
    assert not stored.active
    assert stored.ended_by == mini.admin
    assert stored.started_at == datetime(2025, 3, 1, 0, 0, tzinfo=UTC)
    assert stored.ended_at == datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
    assert not policy.can_view_grid(cleaner, mini.grid_a1)


def test_a_post_cannot_be_ended_twice(mini: MiniDistrict) -> None:
    post = Post.objects.get(user=mini.worker_a)
    actions.end_post(post, by=mini.admin)
    with pytest.raises(ValidationError):
        actions.end_post(Post.objects.get(pk=post.pk), by=mini.admin)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.GRID_WORKER, "district"),
        (Role.DEPARTMENT_HANDLER, "grid_a1"),
        (Role.ADMIN, "grid_a1"),
        (Role.DISPATCHER, "department"),
    ],
)
def test_a_role_is_refused_at_a_level_it_cannot_hold(mini: MiniDistrict, role: str, scope: str) -> None:
    with pytest.raises(ValidationError):
        actions.assign_post(mini.worker_b, role, getattr(mini, scope), by=mini.admin)
    assert Post.objects.filter(user=mini.worker_b).count() == 1


def test_the_same_post_cannot_be_held_twice(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError):
        actions.assign_post(mini.worker_a, Role.GRID_WORKER, mini.grid_a1, by=mini.admin)


def test_only_administrators_assign_posts(mini: MiniDistrict) -> None:
    with pytest.raises(PermissionDenied):
        actions.assign_post(mini.worker_b, Role.LEADER, mini.district, by=mini.leader)
    assert not Post.objects.filter(user=mini.worker_b, role=Role.LEADER).exists()


def test_the_staff_flag_follows_the_administrator_post(mini: MiniDistrict) -> None:
    post = actions.assign_post(mini.leader, Role.ADMIN, mini.district, by=mini.admin)
    assert User.objects.get(pk=mini.leader.pk).is_staff
    actions.end_post(post, by=mini.admin)
    assert not User.objects.get(pk=mini.leader.pk).is_staff
