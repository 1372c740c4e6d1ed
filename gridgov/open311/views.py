"""The GeoReport v2 endpoints at /open311/v2/ (thin: parse, call, render in the asked format).

Every view answers in the format of the URL's extension (`.json` or `.xml`); any refusal is the spec's
error list with 400, 403, 404, 405 or 429, in that format (JSON when the format itself is unknown).
The views need no login and no CSRF token: reading is public, and filing a report takes an API key.
Requests are answered synchronously, so a token (`tokens/{token}`) is the service request id itself.
`servicerequestupdates` is mySociety's extension (FixMyStreet), announced in discovery as a second
specification at the same URL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from gridgov.open311 import actions, answers, formats, keys, services, updates
from gridgov.open311.errors import BadRequest, MethodNotAllowed, NotFound, Open311Error

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MYSOCIETY_SPECIFICATION = "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec"
CHANGESET = "2026-11-28T00:00:00+08:00"  # when this endpoint last changed what it answers
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", ""}
View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Make a view an Open311 endpoint: no login, no CSRF, its methods, refusals in the asked format."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str = formats.JSON, **kwargs: Any) -> HttpResponse:
            try:
                if not formats.known(fmt):
                    raise NotFound([_("Unknown format “%(fmt)s”; use .json or .xml.") % {"fmt": fmt[:10]}])
                if request.method not in methods:
                    raise MethodNotAllowed([_("Use %(methods)s here.") % {"methods": ", ".join(methods)}])
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                response = formats.errors(fmt, exc.status, exc.descriptions)
                for name, value in exc.headers().items():
                    response[name] = value
                return response
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                # An oversized body, too many fields, a broken multipart form.
                return formats.errors(fmt, 400, [_("The request could not be read as a form.")])

        return login_not_required(csrf_exempt(wrapped))

    return decorate


@endpoint("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Describe this endpoint: the specification, its URL, formats, and whom to ask for a key."""
    contact = settings.GRIDGOV_OPEN311_CONTACT or _(
        "The district grid centre answers questions about this service."
    )
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    body = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("Ask the district grid centre for an API key to file reports."),
        # The same endpoint twice: GeoReport v2, and mySociety's extension (servicerequestupdates).
        "endpoints": [
            {
                "specification": specification,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
            for specification in (SPECIFICATION, MYSOCIETY_SPECIFICATION)
        ],
    }
    return formats.render(fmt, "discovery", body)


@endpoint("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """List the services: the active matter categories."""
    return formats.render(fmt, "services", services.service_list())


@endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """Define one service: its attributes."""
    definition = services.definition(code)
    if definition is None:
        raise NotFound([_("No service has the code “%(code)s”.") % {"code": code[:20]}])
    return formats.render(fmt, "service_definition", definition)


@endpoint("GET", "HEAD", "POST")
@never_cache
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """File a report (POST, with an API key), or find reports (GET, public)."""
    if request.method == "POST":
        return _file(request, fmt)
    query = answers.parse_query(request.GET)
    extensions = _extensions(request)
    rows = [answers.as_request(case, extensions=extensions) for case in answers.find(query)]
    return formats.render(fmt, "service_requests", rows)


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in FORM_TYPES:
        raise BadRequest([_("Send the request form-encoded (application/x-www-form-urlencoded).")])
    # The key comes in the form only: in the query string it would end up in access logs.
    key = keys.active_key(request.POST.get("api_key", ""))
    if key is None:
        raise keys.invalid_key()
    filed = actions.file_report(key, request.POST)
    return formats.render(fmt, "service_requests", [filed.answer()])


@endpoint("GET", "HEAD")
@never_cache
def service_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    """Show one service request (a list of one, as the spec has it)."""
    case = answers.one(request_id)
    if case is None:
        raise NotFound([_("No service request has the id “%(id)s”.") % {"id": request_id[:30]}])
    return formats.render(
        fmt, "service_requests", [answers.as_request(case, extensions=_extensions(request))]
    )


@endpoint("GET", "HEAD")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Answer a token with its service request id: reports are stored at once, so they are the same."""
    case = answers.one(token)
    if case is None:
        raise NotFound([_("No service request has the token “%(token)s”.") % {"token": token[:30]}])
    return formats.render(fmt, "service_requests", [{"service_request_id": case.tracking_no, "token": token}])


@endpoint("GET", "HEAD")
@never_cache
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """List the public moves of cases in a window of time (mySociety's extension; no key needed)."""
    start, end = updates.parse(request.GET)
    rows = updates.find(start, end, extensions=_extensions(request))
    return formats.render(fmt, "service_request_updates", rows)


@endpoint("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
    """Refuse any other address under the endpoint, pointing to the discovery document."""
    raise NotFound([_("Nothing is here; the endpoints are listed in discovery.json.")])


def _extensions(request: HttpRequest) -> bool:
    """Return whether the client asked for mySociety's extended attributes (`extensions=true`)."""
    return request.GET.get("extensions", "").strip().lower() in {"true", "1", "yes"}
