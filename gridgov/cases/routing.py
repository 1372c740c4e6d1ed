"""Routing: who leads and who assists on a case, chosen by the most specific matching rule.

A rule matches when its category (or class, or neither) fits the case's category, its area (grid,
community, street or none) contains the case's grid, and, if it has keywords, one of them occurs in
the text. Of the matching rules the most specific wins — area grid > community > street > none, then
category > class > any, then keywords > none, compared in that order — then the higher priority,
then the older rule. A target is `dept:<department code>` or `role:<grid-team role>`, the person
holding that role in the case's grid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.cases.models import Category, RoutingRule
from gridgov.people.models import Department, Post, Role, User
from gridgov.people.policy import GRID_ROLES
from gridgov.territory.models import Grid

_TARGET = re.compile(r"^(dept|role):([\w.\-]+)$")
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\n]")
DEPARTMENT, ROLE = "dept", "role"


def parse_target(spec: str) -> tuple[str, str]:
    """Split `dept:<code>` or `role:<role>` into its kind and value, or raise ValueError."""
    found = _TARGET.match(spec.strip())
    if not found:
        raise ValueError(spec)
    return found.group(1), found.group(2)


def split_keywords(text: str) -> list[str]:
    """Return the keywords of a rule (separated by commas, 、 or semicolons), trimmed."""
    return [word.strip() for word in _KEYWORD_SEPARATORS.split(text)] if text.strip() else []


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


# --- targets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target as written (`spec`) and whom it names for this case, or why it names no one.

    A `dept:` target names a department; a `role:` target names a person (`user`), with the unit
    their grid post serves for (`unit`, e.g. the cleaner's sanitation station) for information only.
    """

    spec: str
    department: Department | None = None
    user: User | None = None
    reason: str = ""
    unit: Department | None = None

    @property
    def kind(self) -> str:
        return self.spec.partition(":")[0]

    @property
    def resolved(self) -> bool:
        """Tell whether the target names someone who can receive the task."""
        return self.user is not None if self.kind == ROLE else self.department is not None

    def __str__(self) -> str:
        kind, _sep, value = self.spec.partition(":")
        if kind == ROLE:
            who = str(self.user) if self.user else _("nobody")
            return f"{_role_label(value)} · {who}"
        return str(self.department) if self.department else value


def resolve_targets(specs: Sequence[str], grid: Grid | None) -> list[Target]:
    """Resolve target specs for a case in the grid: two queries whatever the number of targets."""
    parsed: dict[str, tuple[str, str] | None] = {}
    for spec in specs:
        try:
            parsed[spec] = parse_target(spec)
        except ValueError:
            parsed[spec] = None
    codes = {value for kind, value in filter(None, parsed.values()) if kind == DEPARTMENT}
    roles = {value for kind, value in filter(None, parsed.values()) if kind == ROLE}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)} if codes else {}
    holders = _holders(grid, roles)
    return [_target(spec, parsed[spec], grid, departments, holders) for spec in specs]


def _holders(grid: Grid | None, roles: set[str]) -> dict[str, Post]:
    """Return, per role, the longest-serving active holder of the role in the grid."""
    if grid is None or not roles:
        return {}
    posts = (
        Post.objects.filter(grid=grid, role__in=roles, active=True, user__is_active=True)
        .select_related("user", "department")
        .order_by("-started_at", "-pk")
    )
    # Ordered newest first, so the dict keeps the earliest post of each role.
    return {post.role: post for post in posts}


def _target(
    spec: str,
    parsed: tuple[str, str] | None,
    grid: Grid | None,
    departments: dict[str, Department],
    holders: dict[str, Post],
) -> Target:
    if parsed is None:
        return Target(spec, reason=_("“%(target)s” is not a target.") % {"target": spec})
    kind, value = parsed
    if kind == DEPARTMENT:
        department = departments.get(value)
        if department is None:
            return Target(spec, reason=_("No department has the code “%(code)s”.") % {"code": value})
        return Target(spec, department=department)
    if grid is None:
        return Target(spec, reason=_("The case has no grid, so it has no %(role)s.") % _role(value))
    post = holders.get(value)
    if post is None:
        return Target(spec, reason=_("Grid %(grid)s has no %(role)s.") % {"grid": grid.name, **_role(value)})
    return Target(spec, user=post.user, unit=post.department)


def _role(role: str) -> dict[str, str]:
    return {"role": _role_label(role)}


def auto_dispatch_target(category: Category, grid: Grid | None) -> Target | None:
    """Return the grid-team member a category goes to without a dispatcher, or None if it has none."""
    if not category.auto_dispatch_role:
        return None
    return resolve_targets([f"{ROLE}:{category.auto_dispatch_role}"], grid)[0]


# --- matching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The case's grid with the ids and names of its community and street (None: outside any grid)."""

    grid: Grid | None

    @property
    def community_id(self) -> int | None:
        return self.grid.community_id if self.grid else None

    @property
    def street_id(self) -> int | None:
        return self.grid.community.street_id if self.grid else None


@dataclass(frozen=True)
class Check:
    """One condition of a rule against the case: whether it holds, and why, in words."""

    ok: bool
    text: str


@dataclass
class Candidate:
    """A rule weighed for a case: its three checks, its specificity and the verdict."""

    rule: RoutingRule
    checks: tuple[Check, ...]
    specificity: tuple[int, int, int]
    chosen: bool = False
    verdict: str = ""

    @property
    def matched(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        """Return the checks that do not hold (none for a matching rule)."""
        return [check for check in self.checks if not check.ok]

    @property
    def reason(self) -> str:
        """Return the checks in words, one sentence."""
        return "; ".join(check.text for check in self.checks)

    @property
    def rank(self) -> tuple[tuple[int, int, int], int, int]:
        """Return the key the winner has the highest of: specificity, priority, then the older rule."""
        return (self.specificity, self.rule.priority, -self.rule.pk)


def specificity(rule: RoutingRule) -> tuple[int, int, int]:
    """Return (area, category, keywords): grid 3 > community 2 > street 1 > none 0; category 2 > class 1."""
    area = 3 if rule.grid_id else 2 if rule.community_id else 1 if rule.street_id else 0
    kind = 2 if rule.category_id else 1 if rule.class_code else 0
    return (area, kind, 1 if split_keywords(rule.keywords) else 0)


def _category_check(rule: RoutingRule, category: Category | None) -> Check:
    if rule.category_id:
        assert rule.category is not None
        if category is not None and category.pk == rule.category_id:
            return Check(True, _("category %(name)s is the case's") % {"name": rule.category})
        case = str(category) if category else _("none")
        return Check(
            False, _("for category %(name)s; the case's is %(case)s") % {"name": rule.category, "case": case}
        )
    if rule.class_code:
        if category is not None and category.class_code == rule.class_code:
            return Check(
                True,
                _("class %(code)s %(name)s contains the case's category")
                % {"code": rule.class_code, "name": category.class_name},
            )
        case = category.class_code if category else _("none")
        return Check(
            False,
            _("for class %(code)s; the case's category is in class %(case)s")
            % {"code": rule.class_code, "case": case},
        )
    return Check(True, _("any category"))


def _area_check(rule: RoutingRule, place: Place) -> Check:
    grid = place.grid
    scope: object
    if rule.grid_id:
        ok, scope = grid is not None and grid.pk == rule.grid_id, rule.grid
    elif rule.community_id:
        ok, scope = place.community_id == rule.community_id, rule.community
    elif rule.street_id:
        ok, scope = place.street_id == rule.street_id, rule.street
    else:
        return Check(True, _("anywhere"))
    if grid is None:
        return Check(False, _("only in %(area)s; the case has no grid") % {"area": scope})
    if ok:
        return Check(True, _("%(area)s contains grid %(grid)s") % {"area": scope, "grid": grid.name})
    return Check(
        False, _("only in %(area)s; grid %(grid)s lies outside") % {"area": scope, "grid": grid.name}
    )


def _keyword_check(rule: RoutingRule, text: str) -> Check:
    words = split_keywords(rule.keywords)
    if not words:
        return Check(True, _("no keywords"))
    body = text.lower()
    hit = next((word for word in words if word and word.lower() in body), None)
    if hit is not None:
        return Check(True, _("keyword “%(word)s” occurs in the text") % {"word": hit})
    return Check(False, _("none of the keywords %(words)s occurs in the text") % {"words": "、".join(words)})


def evaluate(rule: RoutingRule, category: Category | None, place: Place, text: str) -> Candidate:
    """Weigh one rule against the case."""
    checks = (_category_check(rule, category), _area_check(rule, place), _keyword_check(rule, text))
    return Candidate(rule=rule, checks=checks, specificity=specificity(rule))


# --- decisions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """Who leads and who assists, the rule that said so, and every rule weighed with its reasons."""

    rule: RoutingRule | None
    lead: Target | None
    assists: tuple[Target, ...]
    explanation: tuple[Candidate, ...]
    summary: str
    problems: tuple[str, ...] = field(default=())

    @property
    def matching(self) -> list[Candidate]:
        """Return the rules that apply, the chosen one first."""
        return [candidate for candidate in self.explanation if candidate.matched]

    @property
    def others(self) -> list[Candidate]:
        """Return the rules that do not apply, most specific first."""
        return [candidate for candidate in self.explanation if not candidate.matched]

    @property
    def dispatcher_decides(self) -> bool:
        """Tell whether no rule and no suggested department names a lead."""
        return self.lead is None


def active_rules() -> list[RoutingRule]:
    """Return the active rules with what their explanation shows, in one query."""
    return list(
        RoutingRule.objects.filter(active=True).select_related("category", "street", "community", "grid")
    )


def route(
    category: Category | None,
    grid: Grid | None,
    text: str = "",
    *,
    rules: Iterable[RoutingRule] | None = None,
) -> Decision:
    """Choose the lead and assisting targets for a case of the category in the grid, and say why."""
    place = Place(grid)
    candidates = [
        evaluate(rule, category, place, text) for rule in (active_rules() if rules is None else rules)
    ]
    matched = sorted((c for c in candidates if c.matched), key=lambda c: c.rank, reverse=True)
    if not matched:
        for candidate in candidates:
            candidate.verdict = _("does not apply")
        return _fallback(category, _ordered(candidates))
    winner = matched[0]
    winner.chosen = True
    winner.verdict = _("chosen")
    for candidate in candidates:
        if candidate is not winner:
            candidate.verdict = _verdict(candidate, winner)
    rule = winner.rule
    lead, *assists = resolve_targets([rule.lead, *rule.assists], grid)
    problems = tuple(t.reason for t in (lead, *assists) if not t.resolved)
    summary = ngettext(
        "Rule “%(rule)s” applies: the only matching rule.",
        "Rule “%(rule)s” applies: the most specific of %(n)d matching rules.",
        len(matched),
    ) % {"rule": rule.name, "n": len(matched)}
    return Decision(rule, lead, tuple(assists), _ordered(candidates), summary, problems)


def _verdict(candidate: Candidate, winner: Candidate) -> str:
    if not candidate.matched:
        return _("does not apply")
    names = {"rule": winner.rule.name}
    if candidate.specificity < winner.specificity:
        return _("applies, but “%(rule)s” is more specific") % names
    if candidate.rule.priority < winner.rule.priority:
        return _("applies, as specific as “%(rule)s” but of lower priority") % names
    return _("applies, as specific and of the same priority as “%(rule)s”, which is older") % names


def _ordered(candidates: list[Candidate]) -> tuple[Candidate, ...]:
    """Return the winner, the other matching rules best first, then the rest most specific first."""
    return tuple(sorted(candidates, key=lambda c: (not c.chosen, not c.matched, _negated(c.rank))))


def _negated(rank: tuple[tuple[int, int, int], int, int]) -> tuple[Any, ...]:
    (area, kind, words), priority, older = rank
    return (-area, -kind, -words, -priority, -older)


def _fallback(category: Category | None, candidates: tuple[Candidate, ...]) -> Decision:
    """Decide without a rule: the category's suggested department if one has that name, else nobody."""
    named = category.suggested_department.strip() if category else ""
    department = Department.objects.filter(Q(name=named) | Q(code=named)).first() if named else None
    if department is not None:
        lead = Target(f"{DEPARTMENT}:{department.code}", department=department)
        summary = _("No rule applies; the category suggests %(department)s.") % {"department": department}
        return Decision(None, lead, (), candidates, summary)
    if named:
        summary = _("No rule applies and no department is called “%(name)s”: the dispatcher decides.") % {
            "name": named
        }
    else:
        summary = _("No rule applies: the dispatcher decides.")
    return Decision(None, None, (), candidates, summary)


# --- validation and saving -------------------------------------------------------------------------


def target_errors(spec: Any) -> list[str]:
    """Return what is wrong with a target spec (empty when it is valid)."""
    try:
        kind, value = parse_target(spec) if isinstance(spec, str) else ("", "")
    except ValueError:
        kind, value = "", ""
    if not kind:
        return [
            _("“%(target)s” is not a target: write dept:<department code> or role:<grid-team role>.")
            % {"target": spec}
        ]
    if kind == DEPARTMENT and not Department.objects.filter(code=value).exists():
        return [_("No department has the code “%(code)s”.") % {"code": value}]
    if kind == ROLE and value not in GRID_ROLES:
        choices = ", ".join(sorted(GRID_ROLES))
        return [
            _("“%(role)s” is not a grid-team role (one of: %(roles)s).") % {"role": value, "roles": choices}
        ]
    return []


def _assist_errors(rule: RoutingRule) -> list[str]:
    if not isinstance(rule.assists, list):
        return [_("Assisting targets must be a list.")]
    errors: list[str] = []
    seen: set[str] = set()
    for spec in rule.assists:
        errors += target_errors(spec)
        if isinstance(spec, str) and spec.strip() == rule.lead.strip():
            errors.append(_("The lead “%(target)s” cannot also assist.") % {"target": spec})
        elif spec in seen:
            errors.append(_("“%(target)s” is listed twice.") % {"target": spec})
        seen.add(spec)
    return errors


def _scope_errors(rule: RoutingRule) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    areas = [rule.street_id, rule.community_id, rule.grid_id]
    if sum(area is not None for area in areas) > 1:
        errors[NON_FIELD_ERRORS] = [_("Choose at most one of street, community and grid.")]
    if rule.category_id and rule.class_code:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Choose a category or a class, not both."))
    elif rule.category is not None and rule.category.kind != Category.Kind.MATTER:
        errors["category"] = [_("Cases are classified by matters (事项); choose a matter, not a component.")]
    elif (
        rule.class_code
        and not Category.objects.filter(class_code=rule.class_code, kind=Category.Kind.MATTER).exists()
    ):
        errors["class_code"] = [
            _("No matter category has the class code “%(code)s”.") % {"code": rule.class_code}
        ]
    return errors


def validate_rule(rule: RoutingRule) -> None:
    """Raise ValidationError (by field) unless the rule's targets, scope and keywords make sense."""
    errors = _scope_errors(rule)
    lead_errors = target_errors(rule.lead) if rule.lead.strip() else [_("A rule needs a lead target.")]
    if lead_errors:
        errors["lead"] = lead_errors
    if assist_errors := _assist_errors(rule):
        errors["assists"] = assist_errors
    if rule.keywords and any(not word for word in split_keywords(rule.keywords) or [""]):
        errors["keywords"] = [_("Every keyword needs text: remove empty entries between the commas.")]
    if errors:
        raise ValidationError(errors)


def save_rule(rule: RoutingRule) -> RoutingRule:
    """Validate and save a rule (the only way rules are written outside the admin form)."""
    validate_rule(rule)
    rule.save()
    return rule
