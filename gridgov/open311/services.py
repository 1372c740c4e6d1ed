"""Services (GeoReport's request types) and their definitions, derived from the active matter categories.

A service is an active matter category (cases are classified by matters): its code is the service
code, its class the group, its synonyms the keywords. Every service takes one input attribute,
`urgency` (a single-value list of the urgencies; empty means the matter's usual one). The category's
texts that help a reporter choose — when a report is registered, when the matter counts as closed,
which matters it is confused with — are informational attributes (`variable` false), which the spec
shows to the user without asking for input.

Every report names its service, so each process keeps the active matters by code (`matter_by_code`)
instead of asking the database each time; a category saved or deleted in the process drops the
copy at once, and it is rebuilt after `MATTERS_TTL` seconds anyway (another process may have edited
one). A code not in the copy is looked up in the database as before.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from gridgov.cases.models import Category, Urgency

URGENCY = "urgency"
REALTIME = "realtime"  # a report is stored and answered within the request
MATTER = Category.Kind.MATTER
_FIELDS = (
    "code",
    "name",
    "class_name",
    "synonyms",
    "hint",
    "register_condition",
    "close_condition",
    "confusable_with",
    "default_urgency",
)


def matters() -> list[Category]:
    """Return the active matter categories, in code order, with the fields the services show."""
    return list(Category.objects.filter(kind=MATTER, active=True).only(*_FIELDS).order_by("code"))


MATTERS_TTL = 60.0
_by_code: tuple[float, dict[str, Category]] | None = None


def matter_by_code(code: str) -> Category | None:
    """Return the active matter with the code from this process's copy, or None when it has none."""
    global _by_code
    now = time.monotonic()
    cached = _by_code
    if cached is None or now - cached[0] > MATTERS_TTL:
        # Whole rows: report_case reads fields the service list does not show (kind, active, urgency).
        rows = Category.objects.filter(kind=MATTER, active=True)
        cached = _by_code = (now, {category.code: category for category in rows})
    return cached[1].get(code)


def forget_matters(**_kwargs: object) -> None:
    """Drop this process's copy of the matters, so the next report reads them again."""
    global _by_code
    _by_code = None


post_save.connect(forget_matters, sender=Category, dispatch_uid="open311_matters_save")
post_delete.connect(forget_matters, sender=Category, dispatch_uid="open311_matters_delete")


def service_list() -> list[dict[str, Any]]:
    """Return every service, as `GET services` lists them."""
    return [_service(category) for category in matters()]


def definition(code: str) -> dict[str, Any] | None:
    """Return the service definition of the code, or None when no active matter has it."""
    category = Category.objects.filter(kind=MATTER, active=True, code=code).first()
    if category is None:
        return None
    return {"service_code": category.code, "attributes": attributes(category, _names_of(category))}


def _service(category: Category) -> dict[str, Any]:
    keywords = [term for term in category.synonyms.split("|") if term.strip()]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.hint or category.register_condition or None,
        # Every matter takes the urgency attribute, so every service has a definition to fetch.
        "metadata": bool(attributes(category, {})),
        "type": REALTIME,
        "keywords": ", ".join(keywords) or None,
        "group": category.class_name or None,
    }


def _names_of(category: Category) -> dict[str, str]:
    codes = [code for code in category.confusable_with.split("|") if code.strip()]
    rows = Category.objects.filter(kind=MATTER, code__in=codes).values_list("code", "name")
    return dict(rows)


def attributes(category: Category, confusable_names: dict[str, str]) -> list[dict[str, Any]]:
    """Return the attributes of the category's service: urgency, then the informational texts."""
    usual = Urgency(category.default_urgency).label
    rows = [
        {
            "variable": True,
            "code": URGENCY,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("Leave it empty for this matter's usual urgency (%(usual)s).")
            % {"usual": usual},
            "order": 1,
            "description": _("How urgent is the matter?"),
            "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
        }
    ]
    texts = [
        ("register_condition", _("Registered when: %(text)s"), category.register_condition),
        ("close_condition", _("Counts as resolved when: %(text)s"), category.close_condition),
        ("confusable_with", _("Not to be confused with: %(text)s"), _confusable(category, confusable_names)),
    ]
    for code, template, text in texts:
        if text:
            rows.append(_information(code, template % {"text": text}, len(rows) + 1))
    return rows


def _confusable(category: Category, names: dict[str, str]) -> str:
    codes = [code for code in category.confusable_with.split("|") if code.strip()]
    return "; ".join(f"{code} {names[code]}" if code in names else code for code in codes)


def _information(code: str, text: str, order: int) -> dict[str, Any]:
    return {
        "variable": False,
        "code": code,
        "datatype": "text",
        "required": False,
        "datatype_description": None,
        "order": order,
        "description": text,
    }
