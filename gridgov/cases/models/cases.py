"""Cases (工单), their immutable transition log, sub-tasks, attachments and tracking numbers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models.categories import Category, Urgency
from gridgov.people.models import Department, Level
from gridgov.territory.models import Generation, Grid


class Status(models.TextChoices):
    REPORTED = "reported", _("awaiting acceptance")
    SELF_HANDLING = "self_handling", _("handled inside the grid")
    REGISTERED = "registered", _("registered")
    DISPATCHED = "dispatched", _("dispatched")
    IN_PROGRESS = "in_progress", _("in progress")
    ON_HOLD = "on_hold", _("on hold")
    HANDLED = "handled", _("awaiting verification")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    VOIDED = "voided", _("voided")


class Stage(models.TextChoices):
    """The clock a case is on; it follows from the status (see `workflow.STAGE_OF`)."""

    ACCEPT = "accept", _("acceptance")
    DISPATCH = "dispatch", _("dispatch")
    SIGN = "sign", _("sign for")
    HANDLE = "handle", _("handling")
    VERIFY = "verify", _("verification")
    NONE = "", _("no clock")


class Channel(models.TextChoices):
    SNAP = "snap", _("snap-and-report page")
    OPEN311 = "open311", _("Open311")
    WECHAT = "wechat", _("WeChat official account")
    WECOM = "wecom", _("grid group")
    PATROL = "patrol", _("grid worker patrol")
    HOTLINE = "hotline", _("hotline")
    API = "api", _("API")
    DESK = "desk", _("staff desk")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Case(models.Model):
    """A reported matter. Its status changes only through `cases.actions`; the log says how."""

    # Unique by a constraint in Meta rather than `unique=True`, which on PostgreSQL adds a second
    # index for LIKE searches that nothing makes (see "Indexes" in Meta).
    tracking_no = models.CharField(_("tracking number"), max_length=20)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.REPORTED)
    # Incremented by every move; a move applies only if the version it read is still current.
    version = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("category"),
        db_index=False,  # (category, created_at) serves it
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("description"), max_length=4000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    # The grid of the boundary generation in force when the case was located; never recomputed.
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("grid"),
        db_index=False,  # (grid, status) serves it
    )
    generation = models.ForeignKey(
        Generation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("boundary generation"),
        db_index=False,  # never searched by; deleting a generation (rare, and protected) scans instead
    )
    level = models.CharField(_("owning level"), max_length=12, choices=Level.choices, default=Level.GRID)

    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone_encrypted = models.CharField(max_length=120, blank=True)
    reporter_phone_hash = models.CharField(max_length=64, blank=True)
    reporter_phone_last4 = models.CharField(_("reporter phone (last 4 digits)"), max_length=4, blank=True)
    reporter_contact = models.CharField(_("reply address"), max_length=120, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
        db_index=False,  # a partial index in Meta
    )

    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        verbose_name=_("lead department"),
    )
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        verbose_name=_("lead handler"),
        db_index=False,  # a partial index in Meta
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
        db_index=False,  # a partial index in Meta
    )

    created_at = models.DateTimeField(_("reported at"), db_index=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # The clock: facts only. The colour (green/yellow/red) is derived from these and the time now.
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.ACCEPT, blank=True
    )
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("stage due"), null=True, blank=True)
    case_due_at = models.DateTimeField(_("case due"), null=True, blank=True)
    held_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    # Set when the deadline sweep urged the case for turning red, so it is urged once.
    overdue_urged_at = models.DateTimeField(_("urged as overdue at"), null=True, blank=True)

    rating = models.CharField(_("rating"), max_length=15, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    outcome_quantity = models.PositiveIntegerField(_("outcome quantity"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        # Indexes: every move updates the case row, and each index of the table takes a new entry on
        # every such update (the status and deadline columns are indexed, so none is a HOT update).
        # So no index here repeats the first column of another, none exists for searches nobody
        # makes, and a column that is empty on most cases is indexed only where it is set.
        constraints = [models.UniqueConstraint(fields=["tracking_no"], name="case_tracking_no_unique")]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["category", "created_at"]),
            # The public page's rate limit counts an address's reports of the last hour.
            models.Index(fields=["address", "created_at"], name="case_address_recent_idx"),
            # The deadline sweep reads only open cases that have not yet been urged for being overdue.
            models.Index(
                fields=["due_at"], name="case_sweep_idx", condition=models.Q(overdue_urged_at__isnull=True)
            ),
            # The public page's rate limit counts a phone's reports of the last hour and day.
            models.Index(fields=["reporter_phone_hash", "created_at"], name="case_phone_recent_idx"),
            # Staff's own reports (patrol, hotline), a person's lead cases, the cases merged into one.
            models.Index(
                fields=["reported_by", "created_at"],
                name="case_reported_by_idx",
                condition=models.Q(reported_by__isnull=False),
            ),
            models.Index(
                fields=["lead_user"], name="case_lead_user_idx", condition=models.Q(lead_user__isnull=False)
            ),
            models.Index(
                fields=["merged_into"],
                name="case_merged_into_idx",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no


class Transition(models.Model):
    """One immutable row per move: who, in which role, from, to, when, note, deadline then in force."""

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="transitions",
        verbose_name=_("case"),
        db_index=False,  # the unique (case, seq) serves it
    )
    seq = models.PositiveIntegerField(_("sequence number"))
    move = models.CharField(_("move"), max_length=30)
    from_status = models.CharField(_("from status"), max_length=15, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=15, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    actor_role = models.CharField(_("operator role"), max_length=30, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    # Public notes reach the reporter and show on the tracking page (no staff names there).
    public = models.BooleanField(_("public"), default=False)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_transition_per_seq")]
        indexes = [models.Index(fields=["move", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.move}"


class Task(models.Model):
    """A dispatched piece of work: the lead (牵头) or an assisting (协办) department or person."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting sign-for")
        SIGNED = "signed", _("signed for")
        DONE = "done", _("done")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("case"))
    lead = models.BooleanField(_("lead"), default=False)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("department"),
        db_index=False,  # (department, state) serves it
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("staff member"),
        db_index=False,  # (user, state) serves it
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created"))
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["department", "state"]), models.Index(fields=["user", "state"])]
        constraints = [
            models.CheckConstraint(
                name="task_has_target",
                condition=models.Q(department__isnull=False) | models.Q(user__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {'lead' if self.lead else 'assist'} {self.department_id or self.user_id}"


class Attachment(models.Model):
    """A photo or file attached to a case, stored through Django's storage API."""

    class Kind(models.TextChoices):
        REPORT = "report", _("report photo")
        BEFORE = "before", _("before handling")
        AFTER = "after", _("after handling")
        VERIFY = "verify", _("verification photo")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    transition = models.ForeignKey(
        Transition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("transition"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    public = models.BooleanField(_("public"), default=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name or ""


class TrackingCounter(models.Model):
    """The last sequence number used for tracking numbers of one day (SF20260621-0001)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class FailedLookup(models.Model):
    """One failed lookup of a tracking number on the public tracking page or API, and when it happened.

    The per-number limit of `gridgov.intake.ratelimit` counts these rows. The number is stored
    normalised as it was typed, whether or not a case has it, so a made-up number is counted like a
    real one; no digits, phone or address are kept. Rows older than the limit's window are deleted as
    new ones come in.
    """

    tracking_no = models.CharField(max_length=20)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tracking_no", "at"], name="cases_failedlookup_recent_idx"),
            models.Index(fields=["at"], name="cases_failedlookup_at_idx"),  # deleting the expired ones
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} at {self.at:%Y-%m-%d %H:%M:%S}"
