"""Refusals an endpoint answers with the spec's error list: 400, 403, 404, 405."""

from __future__ import annotations


class Open311Error(Exception):
    """A refusal with its HTTP status and one description per problem (already translated)."""

    status = 400

    def __init__(self, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.descriptions = descriptions


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404


class MethodNotAllowed(Open311Error):
    status = 405
