"""Routing rules: the most specific wins, targets resolve in the case's grid, rules are validated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gridgov.cases.demo_rules import default_rules, install_demo_rules
from gridgov.cases.models import Category, RoutingRule
from gridgov.cases.routing import auto_dispatch_target, route, save_rule, validate_rule
from gridgov.people.models import Department, Role
from gridgov.testing import MiniDistrict, make_user


def matter(code: str) -> Category:
    return Category.objects.get(kind=Category.Kind.MATTER, code=code)


@pytest.fixture
def lamp(db: Any) -> Category:
    return matter("01037")


def rule(name: str, lead: str = "dept:cgj", **fields: Any) -> RoutingRule:
    return save_rule(RoutingRule(name=name, lead=lead, **fields))


# --- which rule wins -------------------------------------------------------------------------------


def test_a_rule_for_the_category_beats_one_for_its_class_and_one_for_anything(
    mini: MiniDistrict, lamp: Category
) -> None:
    rule("any")
    rule("class 01", class_code="01")
    rule("lamps", category=lamp)
    decision = route(lamp, mini.grid_a1, "路灯不亮")
    assert decision.rule is not None and decision.rule.name == "lamps"
    assert [c.name for c in (c.rule for c in decision.explanation)] == ["lamps", "class 01", "any"]
    assert all(c.matched for c in decision.explanation)


def test_the_area_counts_before_the_category(mini: MiniDistrict, lamp: Category) -> None:
    rule("lamps anywhere", category=lamp)
    rule("anything in A1", grid=mini.grid_a1)
    rule("class 01 in the community", class_code="01", community=mini.grid_a1.community)
    rule("lamps in the street", category=lamp, street=mini.grid_a1.community.street)
    assert route(lamp, mini.grid_a1).rule.name == "anything in A1"  # type: ignore[union-attr]
    assert route(lamp, mini.grid_a2).rule.name == "class 01 in the community"  # type: ignore[union-attr]
    assert route(lamp, mini.grid_b1).rule.name == "lamps in the street"  # type: ignore[union-attr]
    assert route(lamp, mini.grid_c1).rule.name == "lamps anywhere"  # type: ignore[union-attr]


def test_keywords_make_a_rule_more_specific_only_when_one_occurs(mini: MiniDistrict) -> None:
    noise = matter("06028")
    rule("noise", category=noise)
    rule("music noise", lead="role:police", category=noise, keywords="音响, KTV、广场舞")
    assert route(noise, mini.grid_a1, "楼下ktv唱到半夜").rule.name == "music noise"  # type: ignore[union-attr]
    decision = route(noise, mini.grid_a1, "隔壁工地半夜施工")
    assert decision.rule is not None and decision.rule.name == "noise"
    losing = next(c for c in decision.explanation if c.rule.name == "music noise")
    assert not losing.matched
    assert [check.ok for check in losing.checks] == [True, True, False]


def test_priority_breaks_a_tie_and_then_the_older_rule_wins(mini: MiniDistrict, lamp: Category) -> None:
    first = rule("first", category=lamp)
    rule("second", category=lamp)
    assert route(lamp, mini.grid_a1).rule == first
    urgent = rule("third, higher priority", category=lamp, priority=5)
    assert route(lamp, mini.grid_a1).rule == urgent


def test_inactive_rules_are_not_weighed(mini: MiniDistrict, lamp: Category) -> None:
    rule("off", category=lamp, active=False)
    rule("on")
    decision = route(lamp, mini.grid_a1)
    assert [c.rule.name for c in decision.explanation] == ["on"]


def test_a_case_outside_every_grid_matches_only_district_wide_rules(
    lamp: Category, mini: MiniDistrict
) -> None:
    rule("A1 only", grid=mini.grid_a1)
    rule("everywhere")
    assert route(lamp, None).rule.name == "everywhere"  # type: ignore[union-attr]


def test_the_explanation_says_why_each_rule_applies_or_not(mini: MiniDistrict, lamp: Category) -> None:
    rule("lamps", category=lamp)
    rule("garbage", category=matter("06010"))
    rule("B1 only", grid=mini.grid_b1)
    with translation.override("en"):
        decision = route(lamp, mini.grid_a1)
        reasons = {c.rule.name: (c.verdict, c.reason) for c in decision.explanation}
    assert reasons["lamps"][0] == "chosen"
    assert "01037 路灯异常" in reasons["lamps"][1]
    assert reasons["garbage"][0] == "does not apply"
    assert "06010 暴露垃圾" in reasons["garbage"][1]
    assert "B1网格" in reasons["B1 only"][1] and "A1网格" in reasons["B1 only"][1]
    assert "Rule “lamps” applies" in decision.summary


# --- targets ---------------------------------------------------------------------------------------


def test_a_role_target_names_the_holder_in_the_cases_grid(mini: MiniDistrict, lamp: Category) -> None:
    rule("lamps", lead="role:police", category=lamp, assists=["dept:cgj", "role:grid_worker"])
    decision = route(lamp, mini.grid_a1)
    assert decision.lead is not None and decision.lead.user == mini.police_a
    assert [(t.department, t.user) for t in decision.assists] == [
        (mini.department, None),
        (None, mini.worker_a),
    ]
    assert decision.problems == ()


def test_a_grid_without_the_role_leaves_the_target_unresolved_with_a_reason(
    mini: MiniDistrict, lamp: Category
) -> None:
    rule("lamps", lead="role:police", category=lamp)
    with translation.override("en"):
        decision = route(lamp, mini.grid_b1)
    assert decision.lead is not None and not decision.lead.resolved
    assert decision.lead.reason == "Grid B1网格 has no police officer."
    assert decision.problems == (decision.lead.reason,)


def test_an_ended_post_does_not_resolve(mini: MiniDistrict, lamp: Category) -> None:
    mini.police_a.posts.update(active=False)
    rule("lamps", lead="role:police", category=lamp)
    assert route(lamp, mini.grid_a1).lead.user is None  # type: ignore[union-attr]


def test_without_a_rule_the_suggested_department_leads_if_it_exists(
    mini: MiniDistrict, lamp: Category
) -> None:
    decision = route(lamp, mini.grid_a1)  # suggests 市政公用部门, which this district lacks
    assert decision.rule is None and decision.dispatcher_decides
    Category.objects.filter(pk=lamp.pk).update(suggested_department="区城管局")
    lamp.refresh_from_db()
    decision = route(lamp, mini.grid_a1)
    assert decision.rule is None and decision.lead is not None
    assert decision.lead.department == mini.department and decision.lead.spec == "dept:cgj"


def test_a_sanitation_matter_goes_automatically_to_the_grids_cleaner(mini: MiniDistrict) -> None:
    garbage = matter("06010")
    cleaner = make_user("cleaner_a", "保洁员", Role.CLEANER, grid=mini.grid_a1)
    cleaner.posts.update(department=mini.department)  # the sanitation unit the cleaner works for
    target = auto_dispatch_target(garbage, mini.grid_a1)
    assert target is not None and target.resolved
    # The task goes to the person; their unit is shown, not dispatched to.
    assert (target.user, target.department, target.unit) == (cleaner, None, mini.department)
    elsewhere = auto_dispatch_target(garbage, mini.grid_c1)
    assert elsewhere is not None and elsewhere.user is None and elsewhere.reason
    assert auto_dispatch_target(matter("01037"), mini.grid_a1) is None


def test_routing_reads_a_bounded_number_of_queries(
    mini: MiniDistrict, lamp: Category, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        rule(f"rule {n}", lead="role:police", class_code="01", assists=["dept:cgj", "role:grid_worker"])
    with django_assert_max_num_queries(4):
        route(lamp, mini.grid_a1, "路灯")


# --- validation ------------------------------------------------------------------------------------


def errors_of(**fields: Any) -> dict[str, list[str]]:
    fields.setdefault("lead", "dept:cgj")
    with pytest.raises(ValidationError) as caught:
        validate_rule(RoutingRule(name="x", **fields))
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lead": "cgj"}, "lead"),
        ({"lead": ""}, "lead"),
        ({"lead": "dept:nowhere"}, "lead"),
        ({"lead": "role:dispatcher"}, "lead"),
        ({"lead": "role:chef"}, "lead"),
        ({"assists": ["dept:cgj"]}, "assists"),
        ({"assists": ["role:police", "role:police"]}, "assists"),
        ({"assists": ["police"]}, "assists"),
        ({"assists": "role:police"}, "assists"),
        ({"keywords": "音响,,KTV"}, "keywords"),
        ({"keywords": " , "}, "keywords"),
        ({"class_code": "99"}, "class_code"),
    ],
)
def test_it_rejects_a_malformed_rule(mini: MiniDistrict, fields: dict[str, Any], field: str) -> None:
    assert field in errors_of(**fields)


def test_it_rejects_two_areas_and_a_category_with_a_class(mini: MiniDistrict, lamp: Category) -> None:
    errors = errors_of(
        grid=mini.grid_a1, street=mini.grid_a1.community.street, category=lamp, class_code="01"
    )
    assert len(errors[NON_FIELD_ERRORS]) == 2


def test_it_rejects_a_component_category(mini: MiniDistrict) -> None:
    component = Category.objects.get(kind=Category.Kind.COMPONENT, code="01037")
    assert "category" in errors_of(category=component)


def test_a_rejected_rule_is_not_saved(mini: MiniDistrict) -> None:
    with pytest.raises(ValidationError):
        save_rule(RoutingRule(name="bad", lead="dept:nowhere"))
    assert not RoutingRule.objects.exists()


def test_a_sound_rule_passes(mini: MiniDistrict, lamp: Category) -> None:
    validate_rule(
        RoutingRule(
            name="ok",
            category=lamp,
            community=mini.grid_a1.community,
            keywords="不亮、闪烁",
            lead="role:urban_officer",
            assists=["dept:cgj", "role:police"],
        )
    )


# --- the demo rules --------------------------------------------------------------------------------

DEMO_DEPARTMENTS = ("cgj", "zjj", "scjgj", "sthj", "yjglj", "mzj", "wjj", "gaj", "power", "water", "gas")


def test_the_demo_rules_install_once_and_route_street_lights(mini: MiniDistrict, lamp: Category) -> None:
    for code in DEMO_DEPARTMENTS[1:]:
        Department.objects.create(code=code, name=code)
    report = install_demo_rules(commit=True)
    assert report.skipped == []
    assert len(report.created) == len(default_rules()) == RoutingRule.objects.count() >= 25
    again = install_demo_rules(commit=True)
    assert (again.created, len(again.existing)) == ([], len(default_rules()))
    urban = make_user("urban_a", "城管队员", Role.URBAN_OFFICER, grid=mini.grid_a1)
    decision = route(lamp, mini.grid_a1, "路灯不亮")
    assert decision.rule is not None and decision.rule.name == "路灯"
    assert decision.lead is not None and decision.lead.department == mini.department
    assert [t.user for t in decision.assists] == [urban]


def test_demo_rules_naming_missing_departments_are_skipped(mini: MiniDistrict) -> None:
    report = install_demo_rules(commit=False)
    assert report.skipped and all(":" in line for line in report.skipped)
    assert report.created  # the rules for 区城管局 (cgj) and for grid-team roles
    assert not RoutingRule.objects.exists()


# --- the explain page and the admin ----------------------------------------------------------------

EXPLAIN = "/cases/routing/explain/"


def test_a_dispatcher_sees_which_rule_applies_and_why(
    client: Client, mini: MiniDistrict, lamp: Category
) -> None:
    rule("lamps", category=lamp, assists=["role:police"])
    rule("garbage", lead="role:cleaner", category=matter("06010"))
    client.force_login(mini.dispatcher)
    response = client.get(EXPLAIN, {"category": lamp.pk, "grid": mini.grid_a1.code, "text": "路灯不亮"})
    assert response.status_code == 200
    decision = response.context["decision"]
    assert decision.rule.name == "lamps"
    html = response.content.decode()
    assert 'class="routing-chosen"' in html and "王民警" in html
    assert html.count("data-rule=") == 2


def test_the_page_guesses_the_category_when_only_text_is_given(client: Client, mini: MiniDistrict) -> None:
    client.force_login(mini.admin)
    response = client.get(EXPLAIN, {"grid": mini.grid_a1.code, "text": "楼上有人往下扔东西"})
    assert response.status_code == 200
    assert response.context["guess"].category.code == "S02005"
    assert response.context["decision"].dispatcher_decides


def test_the_empty_form_shows_no_decision(client: Client, mini: MiniDistrict) -> None:
    client.force_login(mini.dispatcher)
    response = client.get(EXPLAIN)
    assert response.status_code == 200 and "decision" not in response.context


def test_a_grid_worker_may_not_open_the_explanation(
    client: Client, mini: MiniDistrict, lamp: Category
) -> None:
    client.force_login(mini.worker_b)
    response = client.get(EXPLAIN, {"category": lamp.pk, "grid": mini.grid_b1.code})
    assert response.status_code == 403


def test_a_street_dispatcher_gets_404_for_a_grid_of_another_street(
    client: Client, mini: MiniDistrict, lamp: Category
) -> None:
    client.force_login(mini.street_dispatcher)
    assert client.get(EXPLAIN, {"category": lamp.pk, "grid": mini.grid_a1.code}).status_code == 404
    assert client.get(EXPLAIN, {"category": lamp.pk, "grid": mini.grid_c1.code}).status_code == 200


def test_the_admin_shows_rule_errors_and_saves_nothing(
    client: Client, mini: MiniDistrict, lamp: Category
) -> None:
    client.force_login(mini.admin)
    form = {
        "name": "bad",
        "category": lamp.pk,
        "class_code": "01",
        "lead": "dept:nowhere",
        "assists": "",
        "priority": 0,
    }
    response = client.post(reverse("admin:cases_routingrule_add"), {**form, "active": "on"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"lead", NON_FIELD_ERRORS}
    html = response.content.decode()
    assert all(message in html for messages in errors.values() for message in messages)
    assert not RoutingRule.objects.exists()


def test_the_admin_saves_a_sound_rule_with_its_assisting_targets(
    client: Client, mini: MiniDistrict, lamp: Category
) -> None:
    client.force_login(mini.admin)
    form = {
        "name": "lamps",
        "category": lamp.pk,
        "lead": "dept:cgj",
        "assists": "role:police，role:grid_worker",
        "priority": 1,
    }
    response = client.post(reverse("admin:cases_routingrule_add"), {**form, "active": "on"})
    assert response.status_code == 302
    saved = RoutingRule.objects.get()
    assert (saved.category, saved.assists) == (lamp, ["role:police", "role:grid_worker"])
    change = client.get(reverse("admin:cases_routingrule_change", args=[saved.pk])).content.decode()
    assert "role:police, role:grid_worker" in change


def test_the_admin_finds_categories_by_synonym(client: Client, mini: MiniDistrict) -> None:
    client.force_login(mini.admin)
    response = client.get(reverse("admin:cases_category_changelist"), {"q": "垃圾外溢"})
    assert response.status_code == 200
    assert [c.code for c in response.context["cl"].result_list] == ["06042"]


def test_the_admin_refuses_an_automatic_dispatch_role_outside_the_grid_team(
    client: Client, mini: MiniDistrict
) -> None:
    client.force_login(mini.admin)
    garbage = matter("06010")
    url = reverse("admin:cases_category_change", args=[garbage.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"auto_dispatch_role": "dispatcher", "time_limits-TOTAL_FORMS": 0, "time_limits-INITIAL_FORMS": 0}
    )
    assert client.post(url, data).status_code == 200
    data["auto_dispatch_role"] = "property"
    assert client.post(url, data).status_code == 302
    garbage.refresh_from_db()
    assert garbage.auto_dispatch_role == "property"
