"""Headless Chromium opens the API docs: Swagger UI draws every endpoint with no request leaving the site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_docs_page_draws_the_endpoints_from_the_site_alone(chromium: Any, live_server: Any) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    outside: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        if urlsplit(request_route.request.url).netloc == urlsplit(live_server.url).netloc:
            request_route.continue_()
        else:  # an intranet has no internet: a CDN request would hang there
            outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/api/v1/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        title = page.locator(".info .title").inner_text()
    finally:
        context.close()

    assert not outside, outside
    assert not errors, errors
    assert {path.replace("\u200b", "") for path in paths} >= {
        "/api/v1/reports",
        "/api/v1/track/{tracking_no}",
        "/api/v1/cases",
        "/api/v1/cases/{tracking_no}/moves/{move}",
    }
    assert "gridgov API" in title
