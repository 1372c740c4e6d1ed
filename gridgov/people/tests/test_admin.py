"""The admin site for people: masked residents, writes through actions, posts as history."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gridgov.people.models import Post, Resident, RevealLog, Role, User
from gridgov.people.tests.conftest import id_number
from gridgov.territory.models import Household
from gridgov.testing import MiniDistrict


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["department", "user", "post", "resident", "reveallog"])
def test_an_administrator_opens_every_people_list(client: Client, mini: MiniDistrict, model: str) -> None:
    response = signed_in(client, mini.admin).get(reverse(f"admin:people_{model}_changelist"))
    assert response.status_code == 200


def test_resident_lists_and_forms_show_only_masked_values(
    client: Client, mini: MiniDistrict, resident_a1: Resident
) -> None:
    number = resident_a1.id_number
    signed_in(client, mini.admin)
    listing = client.get(reverse("admin:people_resident_changelist")).content.decode()
    form = client.get(reverse("admin:people_resident_change", args=[resident_a1.pk])).content.decode()
    for html in (listing, form):
        assert number not in html
        assert "13807312345" not in html
        assert resident_a1.id_number_masked in html
    assert "138****2345" in listing


def test_an_administrator_finds_a_resident_by_full_id_number(
    client: Client, mini: MiniDistrict, resident_a1: Resident, resident_b1: Resident
) -> None:
    signed_in(client, mini.admin)
    url = reverse("admin:people_resident_changelist")
    by_id = client.get(url, {"q": resident_a1.id_number}).content.decode()
    assert "刘阿姨" in by_id and "陈师傅" not in by_id
    by_phone = client.get(url, {"q": "139 0733 2222"}).content.decode()
    assert "陈师傅" in by_phone and "刘阿姨" not in by_phone


def resident_form(household: Household, **values: object) -> dict[str, object]:
    return {"household": household.pk, "name": "王奶奶", "id_number": "", "phone": "", "tags": [], **values}


def test_adding_a_resident_in_the_admin_encrypts_it(
    client: Client, mini: MiniDistrict, household_a1: Household
) -> None:
    number = id_number(24, date(1940, 1, 9))
    data = resident_form(
        household_a1, id_number=number, phone="13807319999", tags=["elderly_alone", "disabled"]
    )
    response = signed_in(client, mini.admin).post(reverse("admin:people_resident_add"), data)
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert (resident.name, resident.gender, resident.tags) == ("王奶奶", "F", ["elderly_alone", "disabled"])
    assert resident.id_number == number
    assert number not in resident.id_number_encrypted


def test_a_bad_id_number_in_the_admin_is_a_form_error_and_writes_nothing(
    client: Client, mini: MiniDistrict, household_a1: Household
) -> None:
    data = resident_form(household_a1, id_number="430204194001091234", phone="12345")
    with translation.override("en"):
        response = signed_in(client, mini.admin).post(
            reverse("admin:people_resident_add"), data, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"id_number", "phone"}
    assert Resident.objects.count() == 0


def test_correcting_a_resident_in_the_admin_keeps_an_id_number_left_empty(
    client: Client, mini: MiniDistrict, resident_a1: Resident
) -> None:
    number = resident_a1.id_number
    data = resident_form(resident_a1.household, name="刘阿姨", tags=["low_income"], remove_phone="on")
    response = signed_in(client, mini.admin).post(
        reverse("admin:people_resident_change", args=[resident_a1.pk]), data
    )
    assert response.status_code == 302
    stored = Resident.objects.get(pk=resident_a1.pk)
    assert (stored.id_number, stored.phone, stored.tags) == (number, "", ["low_income"])
    assert RevealLog.objects.count() == 0


def test_residents_are_not_deleted_in_the_admin(
    client: Client, mini: MiniDistrict, resident_a1: Resident
) -> None:
    url = reverse("admin:people_resident_delete", args=[resident_a1.pk])
    assert signed_in(client, mini.admin).get(url).status_code == 403


def test_adding_staff_in_the_admin_checks_the_phone(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.admin)
    url = reverse("admin:people_user_add")
    data = {"username": "cleaner_a", "full_name": "赵保洁", "phone": "0731-2822", "usable_password": "false"}
    assert client.post(url, data).status_code == 200
    assert not User.objects.filter(username="cleaner_a").exists()
    data["phone"] = "0731-28221234"
    assert client.post(url, data).status_code == 302
    user = User.objects.get(username="cleaner_a")
    assert (user.full_name, user.phone, user.has_usable_password()) == ("赵保洁", "0731-28221234", False)


def test_a_post_is_assigned_in_the_admin_through_the_action(client: Client, mini: MiniDistrict) -> None:
    signed_in(client, mini.admin)
    url = reverse("admin:people_post_add")
    refused = client.post(
        url, {"user": mini.worker_b.pk, "role": Role.GRID_WORKER, "district": mini.district.pk}
    )
    assert refused.status_code == 200
    two_scopes = {"user": mini.worker_b.pk, "role": Role.CLEANER, "grid": mini.grid_c1.pk, "street": 1}
    assert client.post(url, two_scopes).status_code == 200
    accepted = client.post(url, {"user": mini.worker_b.pk, "role": Role.CLEANER, "grid": mini.grid_c1.pk})
    assert accepted.status_code == 302
    post = Post.objects.get(user=mini.worker_b, role=Role.CLEANER)
    assert (post.level, post.grid, post.assigned_by) == ("grid", mini.grid_c1, mini.admin)


def test_posts_are_ended_from_the_admin_list_and_kept(client: Client, mini: MiniDistrict) -> None:
    post = Post.objects.get(user=mini.worker_a)
    response = signed_in(client, mini.admin).post(
        reverse("admin:people_post_changelist"), {"action": "end_posts", "_selected_action": [post.pk]}
    )
    assert response.status_code == 302
    stored = Post.objects.get(pk=post.pk)
    assert (stored.active, stored.ended_by) == (False, mini.admin)
    assert client.get(reverse("admin:people_post_change", args=[post.pk])).status_code == 200  # view only


def test_the_staff_page_lists_posts_read_only(client: Client, mini: MiniDistrict) -> None:
    html = (
        signed_in(client, mini.admin)
        .get(reverse("admin:people_user_change", args=[mini.worker_a.pk]))
        .content.decode()
    )
    assert mini.grid_a1.name in html
    assert 'name="posts-0-role"' not in html


def test_changing_a_staff_profile_in_the_admin_goes_through_the_action(
    client: Client, mini: MiniDistrict
) -> None:
    data = {
        "username": "worker_a",
        "full_name": "张网格",
        "phone": "138 0731 0001",
        "education": "bachelor",
        "birth_year": "1991",
        "passed_exam": "on",
        "social_work_certificate": "assistant",
        "started_on": "2019-03-01",
        "is_active": "on",
        "posts-TOTAL_FORMS": "1",
        "posts-INITIAL_FORMS": "1",
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
    }
    url = reverse("admin:people_user_change", args=[mini.worker_a.pk])
    response = signed_in(client, mini.admin).post(url, data)
    assert response.status_code == 302
    user = User.objects.get(pk=mini.worker_a.pk)
    assert (user.phone, user.education, user.birth_year, user.passed_exam) == (
        "13807310001",
        "bachelor",
        1991,
        True,
    )
    assert user.started_on == date(2019, 3, 1)
