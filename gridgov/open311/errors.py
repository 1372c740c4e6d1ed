"""Refusals an endpoint answers with the spec's error list: 400, 403, 404, 405, 429."""

from __future__ import annotations


class Open311Error(Exception):
    """A refusal with its HTTP status and one description per problem (already translated)."""

    status = 400

    def __init__(self, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.descriptions = descriptions

    def headers(self) -> dict[str, str]:
        """Return the HTTP headers the refusal carries besides its body."""
        return {}


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404


class MethodNotAllowed(Open311Error):
    status = 405


class TooManyRequests(Open311Error):
    """A key past its hourly limit: 429, and after how many seconds a report will be taken again."""

    status = 429

    def __init__(self, descriptions: list[str], retry_after: int) -> None:
        super().__init__(descriptions)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
