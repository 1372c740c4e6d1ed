"""System checks of the official account's settings: safe mode that cannot decrypt is an error."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Warning, register

from gridgov.wechat.config import config


@register()
def check_wechat_settings(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    """Report safe-mode settings that cannot work, and a callback whose status changes cannot go back."""
    current = config()
    problems: list[Error | Warning] = []
    problem = current.safe_mode_problem()
    if problem:
        problems.append(Error(problem, id="wechat.E001"))
    try:
        current.template_fields()
    except ValueError as exc:
        problems.append(Error(str(exc), id="wechat.E002"))
    if current.token and not (current.api_ready and current.template_id):
        problems.append(
            Warning(
                "GRIDGOV_WECHAT_TOKEN is set but GRIDGOV_WECHAT_APPID, GRIDGOV_WECHAT_SECRET or "
                "GRIDGOV_WECHAT_TEMPLATE_ID is not: residents' photos and status changes cannot be exchanged",
                id="wechat.W001",
            )
        )
    return problems
