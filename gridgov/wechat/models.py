"""What the official account keeps: drafts being assembled, messages already answered, the access token,
and the position each follower's phone reported last.

A draft lives in the database, not in process memory, so a report half told survives a restart and
any app process can take the next message of the conversation. Answered messages are keyed by a
unique column: WeChat resends a message it got no answer to within 5 s, and of two copies arriving
together only one can insert its key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

# Messages of one resident within this window, counted from the first, make one report.
WINDOW = timedelta(minutes=10)
# A position reported on opening the account places a report filed at most this long after it.
POSITION_FRESH = timedelta(minutes=10)
MAX_PHOTOS = 9


class Draft(models.Model):
    """A report a resident is telling in several messages: text, photos and a location."""

    openid = models.CharField(_("WeChat open id"), max_length=64, unique=True)
    started_at = models.DateTimeField(_("started"), db_index=True)
    updated_at = models.DateTimeField(_("last message"))
    description = models.TextField(_("description"), blank=True)
    # As WeChat sends it: GCJ-02, the system of Chinese maps; converted when the case is reported.
    lon = models.FloatField(_("longitude (GCJ-02)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (GCJ-02)"), null=True, blank=True)
    place_label = models.CharField(_("place"), max_length=200, blank=True)
    # A phone number the resident chose to give, so that /track/ opens for them (encrypted at rest).
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True)

    class Meta:
        verbose_name = _("WeChat draft report")
        verbose_name_plural = _("WeChat draft reports")

    def __str__(self) -> str:
        return f"{self.openid} {self.started_at:%Y-%m-%d %H:%M}"

    def expired(self, now: datetime) -> bool:
        """Tell whether the draft's window has closed."""
        return now >= self.started_at + WINDOW

    @property
    def has_location(self) -> bool:
        return self.lon is not None and self.lat is not None


class DraftPhoto(models.Model):
    """A photo of a draft, already checked and re-encoded without metadata (`cases.evidence`)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="photos", verbose_name=_("draft"))
    media_id = models.CharField(_("media id"), max_length=128)
    data = models.BinaryField(_("image"))
    added_at = models.DateTimeField(_("added"))

    class Meta:
        verbose_name = _("WeChat draft photo")
        verbose_name_plural = _("WeChat draft photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.media_id


class SeenMessage(models.Model):
    """A message already answered: its key (MsgId, or sender + time for events) and the reply given."""

    key = models.CharField(_("message key"), max_length=160, unique=True)
    openid = models.CharField(_("WeChat open id"), max_length=64)
    received_at = models.DateTimeField(_("received"), db_index=True)
    reply = models.TextField(_("reply"), blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("WeChat message")
        verbose_name_plural = _("WeChat messages")

    def __str__(self) -> str:
        return self.key


class ReportedPosition(models.Model):
    """Where a follower's phone was when they last opened the account (WeChat's LOCATION event).

    One row per follower, the latest; a report filed without a location message uses it while it
    is fresh. It says where the resident is, not where the matter is, so it never files a report
    by itself.
    """

    openid = models.CharField(_("WeChat open id"), max_length=64, unique=True)
    # As WeChat sends it: GCJ-02.
    lon = models.FloatField(_("longitude (GCJ-02)"))
    lat = models.FloatField(_("latitude (GCJ-02)"))
    precision = models.FloatField(_("precision (m)"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"))

    class Meta:
        verbose_name = _("WeChat reported position")
        verbose_name_plural = _("WeChat reported positions")

    def __str__(self) -> str:
        return f"{self.openid} {self.reported_at:%Y-%m-%d %H:%M}"

    def fresh(self, now: datetime) -> bool:
        """Tell whether the position is recent enough to place a report filed now."""
        return self.reported_at >= now - POSITION_FRESH


class AccessToken(models.Model):
    """The API access token of an AppID, shared by every process until it expires."""

    appid = models.CharField(_("AppID"), max_length=64, unique=True)
    token = models.CharField(_("access token"), max_length=600)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("WeChat access token")
        verbose_name_plural = _("WeChat access tokens")

    def __str__(self) -> str:
        return self.appid
