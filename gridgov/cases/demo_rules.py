"""Routing rules for the demo district: who leads and who assists, by category, class and keyword.

Department codes are those `gridgov.territory.demo.departments` creates; in another district, rules
naming a department it lacks are skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.cases.models import Category, RoutingRule
from gridgov.cases.routing import validate_rule
from gridgov.territory.models import Street


@dataclass(frozen=True)
class DemoRule:
    """A rule to install: a matter code or a class code (or neither), targets, keywords, priority."""

    name: str
    lead: str
    assists: tuple[str, ...] = ()
    code: str = ""
    class_code: str = ""
    keywords: str = ""
    priority: int = 0
    # Scoped to the district's first street (by code): an example of an area rule.
    first_street: bool = False


def default_rules() -> list[DemoRule]:
    """Return the demo district's rules: class defaults, then the matters that go elsewhere."""
    return [
        # Classes of the standard: the city management bureau unless a matter says otherwise.
        DemoRule("市政公用设施", "dept:cgj", class_code="01"),
        DemoRule("交通设施", "dept:cgj", class_code="02"),
        DemoRule("市容环卫设施", "dept:cgj", class_code="03"),
        DemoRule("园林绿化设施", "dept:cgj", class_code="04"),
        DemoRule("市容环境", "dept:cgj", ("role:urban_officer",), class_code="06"),
        DemoRule("宣传广告", "role:urban_officer", ("dept:cgj",), class_code="07"),
        DemoRule("施工管理", "dept:zjj", ("dept:cgj",), class_code="08"),
        DemoRule("街面秩序", "role:urban_officer", ("dept:cgj",), class_code="09"),
        DemoRule("重点街道街面秩序", "dept:cgj", ("role:urban_officer",), class_code="09", first_street=True),
        # Matters with their own lead.
        DemoRule("路灯", "dept:cgj", ("role:urban_officer",), code="01037"),
        DemoRule("燃气井盖", "dept:gas", ("role:gas",), code="01011"),
        DemoRule("露天燃气管道", "dept:gas", ("role:gas", "role:police"), code="01057"),
        DemoRule("供水井盖", "dept:water", ("role:water",), code="01001"),
        DemoRule("电力设施", "dept:power", ("role:power",), code="01028"),
        DemoRule("交通信号灯", "dept:gaj", code="02014"),
        DemoRule("暴露垃圾", "role:cleaner", code="06010"),
        DemoRule("积存垃圾渣土", "role:cleaner", ("dept:cgj",), code="06011"),
        DemoRule("垃圾满溢", "role:cleaner", code="06042"),
        DemoRule("油烟污染", "dept:sthj", ("role:urban_officer",), code="06027"),
        DemoRule("社会生活噪声", "role:police", code="06028", keywords="音响,KTV,酒吧,广场舞,喇叭"),
        DemoRule("机动车乱停放", "dept:gaj", ("role:police",), code="09009"),
        DemoRule("无证餐饮", "dept:scjgj", ("role:urban_officer",), code="09015"),
        # Social governance.
        DemoRule("矛盾纠纷", "role:grid_worker", ("role:police",), class_code="S01"),
        DemoRule("物业纠纷", "dept:zjj", ("role:property", "role:grid_worker"), code="S01003"),
        DemoRule("家庭暴力", "role:police", ("role:grid_worker",), code="S01009"),
        DemoRule("治安隐患", "role:police", ("role:grid_worker",), code="S02001"),
        DemoRule("安全生产隐患", "dept:yjglj", ("role:grid_worker",), code="S02002"),
        DemoRule("消防隐患", "dept:yjglj", ("role:police", "role:property"), code="S02003"),
        DemoRule("高空坠物", "role:police", ("role:property",), code="S02005"),
        DemoRule("燃气泄漏", "dept:gas", ("role:gas", "role:police", "role:grid_worker"), code="S02006"),
        DemoRule("倒伏树木", "dept:cgj", ("role:urban_officer", "role:police"), code="S02007"),
        DemoRule("走失人员", "role:police", ("role:grid_worker",), code="S03001"),
        DemoRule("特殊人群服务", "role:grid_worker", ("dept:mzj",), class_code="S03"),
        # Livelihood services.
        DemoRule("物业服务", "role:property", ("dept:zjj",), class_code="L01"),
        DemoRule("停水", "dept:water", ("role:water",), code="L02001"),
        DemoRule("供水管道破裂", "dept:water", ("role:water",), code="L02002"),
        DemoRule("停电", "dept:power", ("role:power",), code="L02004"),
        DemoRule("燃气供应", "dept:gas", ("role:gas",), code="L02006"),
        DemoRule("白蚁", "dept:zjj", code="L03001"),
        DemoRule("病媒生物", "dept:wjj", ("role:grid_worker",), code="L03002"),
    ]


@dataclass
class DemoRulesReport:
    """Rules created, rules already there (by name), and rules skipped with the reason."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def install_demo_rules(commit: bool = True) -> DemoRulesReport:
    """Create the demo rules that are not there yet (matched by name); validate each first."""
    report = DemoRulesReport()
    specs = default_rules()
    have = set(RoutingRule.objects.filter(name__in=[s.name for s in specs]).values_list("name", flat=True))
    matters = {
        c.code: c
        for c in Category.objects.filter(
            kind=Category.Kind.MATTER, code__in={s.code for s in specs if s.code}
        )
    }
    street = Street.objects.order_by("code").first()
    new = []
    for spec in specs:
        if spec.name in have:
            report.existing.append(spec.name)
            continue
        rule = _rule(spec, matters, street)
        problem = _problem(spec, rule, matters)
        if problem:
            report.skipped.append(f"{spec.name}: {problem}")
            continue
        new.append(rule)
        report.created.append(spec.name)
    if commit:
        with transaction.atomic():
            RoutingRule.objects.bulk_create(new)
    return report


def _rule(spec: DemoRule, matters: dict[str, Category], street: Street | None) -> RoutingRule:
    return RoutingRule(
        name=spec.name,
        category=matters.get(spec.code),
        class_code=spec.class_code,
        street=street if spec.first_street else None,
        keywords=spec.keywords,
        lead=spec.lead,
        assists=list(spec.assists),
        priority=spec.priority,
        note=_("Example of an area rule: %(street)s only.") % {"street": street.name}
        if spec.first_street and street
        else "",
    )


def _problem(spec: DemoRule, rule: RoutingRule, matters: dict[str, Category]) -> str:
    """Return why the rule cannot be installed here, or an empty string."""
    if spec.code and spec.code not in matters:
        return _("no matter category has the code %(code)s") % {"code": spec.code}
    if spec.first_street and rule.street is None:
        return _("the district has no street")
    try:
        validate_rule(rule)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""
