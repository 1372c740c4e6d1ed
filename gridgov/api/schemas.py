"""The shapes the API reads and answers (pydantic, through ninja); they are the OpenAPI schema too."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from gridgov.cases.views.forms import MAX_PHOTOS

Crs = Literal["wgs84", "gcj02", "bd09"]
UrgencyCode = Literal["normal", "urgent", "emergency"]


class ErrorOut(Schema):
    """Errors by field (`__all__` for the request as a whole), in the caller's language."""

    errors: dict[str, list[str]]


class Ref(Schema):
    """Something referred to by its code, with its name."""

    code: str
    name: str


# --- public: reporting and tracking ----------------------------------------------------------------


class ReportIn(Schema):
    """A report of a matter: a description, and the place as a point (in the given CRS) or an address."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(description="What is the matter (at most 4,000 characters).")
    lon: float | None = Field(None, description="Longitude of the place, in `crs`.")
    lat: float | None = Field(None, description="Latitude of the place, in `crs`.")
    crs: Crs = Field("wgs84", description="Coordinate system of lon/lat: WGS-84 (GPS), GCJ-02 or BD-09.")
    address: str = Field("", description="The address, when there is no point (or beside one).")
    category: str | None = Field(
        None, description="Category code of the matter; guessed from the text if absent."
    )
    urgency: UrgencyCode | None = Field(None, description="Urgency; the category's default if absent.")
    reporter_name: str = ""
    reporter_phone: str = Field(
        "", description="Required without a token: it is how the reporter follows the case."
    )
    photos: list[str] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="Photos (JPEG, PNG, WebP) as base64 or data: URLs; or send multipart/form-data files.",
    )


class ReportOut(Schema):
    tracking_no: str
    status: str
    grid: Ref | None
    category: Ref | None
    track_url: str = Field(
        description="The public progress page, where the reporter proves the phone's last four digits."
    )


class PublicEntryOut(Schema):
    at: datetime
    words: str
    text: str


class TrackOut(Schema):
    """What the reporter may see of the case: public moves only, no staff names."""

    tracking_no: str
    status: str
    category: str | None
    reported_at: datetime
    closed_at: datetime | None
    rating: str
    timeline: list[PublicEntryOut]


# --- staff ------------------------------------------------------------------------------------------


class PostOut(Schema):
    role: str
    role_label: str
    level: str
    scope: Ref | None


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    posts: list[PostOut]


class CaseOut(Schema):
    """A case as a work queue lists it."""

    tracking_no: str
    version: int = Field(
        description="Send it back with a move: a move on a case changed since is refused (409)."
    )
    status: str
    status_label: str
    urgency: str
    category: Ref | None
    grid: Ref | None
    description: str
    address: str
    lon: float | None
    lat: float | None
    created_at: datetime
    due_at: datetime | None
    colour: str = Field(description="Deadline colour of the current stage: green, yellow, red, or empty.")
    lead_department: Ref | None


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class TransitionOut(Schema):
    seq: int
    tracking_no: str = Field(
        description="The case the move was made on (a report merged into this one has its own)."
    )
    move: str
    move_label: str
    from_status: str
    to_status: str
    actor: str | None
    actor_role: str
    actor_role_label: str
    at: datetime
    note: str
    public: bool
    due_at: datetime | None
    photos: list[int]


class TaskOut(Schema):
    id: int
    lead: bool
    department: Ref | None
    user: str | None
    state: str
    state_label: str
    created_at: datetime
    signed_at: datetime | None
    done_at: datetime | None
    note: str
    events: list[str] = Field(description="What you may do with this task now: `sign`, `done`.")


class ChoiceOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    name: str
    label: str
    required: bool
    kind: str = Field(
        description="text, integer, boolean, choice, category (code), department (code), departments (codes), photos"
    )
    choices: list[ChoiceOut] | None = None


class MoveOut(Schema):
    move: str
    label: str
    fields: list[FieldOut]


class PhotoOut(Schema):
    id: int
    kind: str
    content_type: str
    width: int | None
    height: int | None
    url: str


class CaseDetailOut(CaseOut):
    """The whole case: the staff timeline, tasks, photos and the moves you may make now."""

    channel: str
    level: str
    reporter_name: str
    reporter_phone_last4: str
    lead_user: str | None
    registered_at: datetime | None
    closed_at: datetime | None
    case_due_at: datetime | None
    case_colour: str
    held_since: datetime | None
    rating: str
    outcome_quantity: int | None
    merged_into: str | None
    merged: list[str]
    waiting: list[str] = Field(description="Requests waiting for an answer: extension, hold, void.")
    timeline: list[TransitionOut]
    tasks: list[TaskOut]
    photos: list[PhotoOut]
    moves: list[MoveOut]
