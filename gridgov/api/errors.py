"""Every error of the API in one shape, `{"errors": {field: [messages]}}`, in the caller's language.

The language is the request's (LocaleMiddleware: `Accept-Language`, else Simplified Chinese).
Messages about a whole request use the field `__all__`, as Django's forms do. pydantic's English
messages are replaced by translated ones chosen by the error's type; where Django's own catalogue
already has the words (“This field is required.”), its message ids are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

NON_FIELD = "__all__"
Errors = dict[str, list[str]]


class ApiError(Exception):
    """An answer that is not a success: its status, its errors by field, and any extra headers."""

    def __init__(
        self, status: int, errors: Mapping[str, Iterable[Any]], headers: dict[str, str] | None = None
    ):
        self.status = status
        self.errors: Errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        self.headers = headers or {}
        super().__init__(status, self.errors)


def error(status: int, message: Any, field: str = NON_FIELD) -> ApiError:
    """Return an ApiError with one message (about the field, or the whole request)."""
    return ApiError(status, {field: [message]})


def from_django(exc: ValidationError) -> Errors:
    """Return the messages of a Django ValidationError by field (`__all__` for a list or one message)."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


def from_pydantic(errors: Iterable[Mapping[str, Any]], *, skip: int = 0) -> Errors:
    """Return pydantic's errors by field, translated; `skip` drops leading location parts (`query`)."""
    found: Errors = {}
    for item in errors:
        names = [str(part) for part in tuple(item.get("loc", ()))[skip:] if isinstance(part, str)]
        # The innermost name: `("query", "filters", "status", 0)` is about `status`.
        field = names[-1] if names else NON_FIELD
        message = pydantic_message(item)
        if message not in found.setdefault(field, []):
            found[field].append(message)
    return found


def pydantic_message(item: Mapping[str, Any]) -> str:
    """Return a translated message for one pydantic error, by its type."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("float_") or kind == "finite_number":
        return _("Enter a number.")
    if kind.startswith("bool_"):
        return _("“%(value)s” value must be either True or False.") % {"value": item.get("input", "")}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_type":
        return _("Enter text.")
    if kind == "string_too_long":
        return _("At most %(max)d characters.") % {"max": ctx.get("max_length", 0)}
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Enter a list of values.")
    if kind == "too_long":
        return _("At most %(max)d items.") % {"max": ctx.get("max_length", 0)}
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt", ""))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt", ""))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Send a JSON object.")
    return _("Enter a valid value.")


def unauthorized() -> ApiError:
    """Return the 401 answer for a missing, unknown or revoked token."""
    message = _("A valid API token is required: send the header “Authorization: Bearer <token>”.")
    return ApiError(401, {NON_FIELD: [message]}, {"WWW-Authenticate": 'Bearer realm="gridgov"'})


def _respond(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = api.create_response(request, {"errors": exc.errors}, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _http_error(exc: HttpError) -> ApiError:
    """Translate ninja's own HTTP errors (a body it could not parse, throttling)."""
    if exc.status_code == 400:
        return error(400, _("The body is not valid JSON."))
    if exc.status_code == 429:
        return error(429, _("Too many requests; try again later."))
    return error(exc.status_code, exc.message)


def install(api: NinjaAPI) -> None:
    """Answer every expected failure of the API in the one error shape."""

    def handle(kind: type[Exception], convert: Any) -> None:
        api.add_exception_handler(kind, lambda request, exc: _respond(api, request, convert(exc)))

    handle(ApiError, lambda exc: exc)
    handle(NinjaValidationError, lambda exc: ApiError(422, from_pydantic(exc.errors, skip=1)))
    handle(AuthenticationError, lambda exc: unauthorized())
    handle(HttpError, _http_error)
    handle(Http404, lambda exc: error(404, _("Not found.")))
    handle(PermissionDenied, lambda exc: error(403, str(exc) or _("You may not do this.")))
    handle(ValidationError, lambda exc: ApiError(422, from_django(exc)))
