"""Grid groups: each grid's WeCom group robot, staff WeCom accounts, forwarded messages, service notices."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The robot's address as WeCom shows it ("群机器人" → webhook address). Whatever the configured API
# base, only WeCom's own address is accepted: the server must never be told to post elsewhere.
WEBHOOK_PATTERN = re.compile(r"https://qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=([A-Za-z0-9-]{8,64})")


def webhook_key(url: str) -> str | None:
    """Return the key of a WeCom group-robot webhook address, or None when it is not one."""
    match = WEBHOOK_PATTERN.fullmatch((url or "").strip())
    return match.group(1) if match else None


def validate_webhook(url: str) -> None:
    """Refuse anything but a WeCom group-robot webhook address."""
    if webhook_key(url) is None:
        raise ValidationError(
            _("Paste the robot's webhook address: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"),
            code="not_webhook",
        )


class GroupRobot(models.Model):
    """The WeCom group robot (群机器人) of a grid's resident group: where the grid's matters are posted."""

    grid = models.OneToOneField(
        "territory.Grid", on_delete=models.CASCADE, related_name="group_robot", verbose_name=_("grid")
    )
    webhook_url = models.CharField(_("webhook address"), max_length=300, validators=[validate_webhook])
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        # Moves look robots up by grid and state in the same statement that queues the post.
        indexes = [models.Index(fields=["grid", "active"], name="groups_robot_grid_active")]

    def __str__(self) -> str:
        return f"{self.grid} · {self.masked_key}"

    @property
    def key(self) -> str:
        return webhook_key(self.webhook_url) or ""

    @property
    def masked_key(self) -> str:
        """Return the start of the key: enough to tell robots apart, too little to post with."""
        key = self.key
        return f"{key[:8]}…" if key else "—"


class WecomAccount(models.Model):
    """A staff member's WeCom userid, so a message they forward lands in their grid's inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wecom_account",
        verbose_name=_("staff member"),
    )
    userid = models.CharField(
        _("WeCom userid"), max_length=64, unique=True, help_text=_("the account name in WeCom's address book")
    )

    class Meta:
        verbose_name = _("WeCom account")
        verbose_name_plural = _("WeCom accounts")

    def __str__(self) -> str:
        return f"{self.userid} → {self.user}"


class GroupMessage(models.Model):
    """A message a grid worker forwarded from the group to the WeCom app: an entry of the grid's inbox.

    `grid` is empty when the sender is unknown (no WeCom account on file, or no grid post); such
    messages wait for the district's dispatchers.
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("text")
        IMAGE = "image", _("photo")

    msg_id = models.CharField(_("WeCom message id"), max_length=32, unique=True)
    agent_id = models.PositiveIntegerField(_("WeCom app id"), null=True, blank=True)
    sender_userid = models.CharField(_("sender's WeCom userid"), max_length=64)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_messages",
        verbose_name=_("grid"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    media_id = models.CharField(_("media id"), max_length=200, blank=True)
    pic_url = models.CharField(_("photo address"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"))
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("group message")
        verbose_name_plural = _("group messages")
        indexes = [models.Index(fields=["grid", "-received_at"], name="groups_message_inbox")]

    def __str__(self) -> str:
        return f"{self.msg_id} · {self.sender_userid}"


class ServiceNotice(models.Model):
    """A public service notice (服务公告): a water cut, power outage, campaign … for chosen grids."""

    class Kind(models.TextChoices):
        WATER = "water", _("water cut")
        POWER = "power", _("power outage")
        GAS = "gas", _("gas supply")
        CAMPAIGN = "campaign", _("campaign")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    grids = models.ManyToManyField("territory.Grid", related_name="service_notices", verbose_name=_("grids"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    class Meta:
        verbose_name = _("service notice")
        verbose_name_plural = _("service notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="groups_notice_ends_after_start"
            )
        ]
        # The public page lists the notices still running.
        indexes = [
            models.Index(
                fields=["ends_at"],
                name="groups_notice_current",
                condition=models.Q(withdrawn_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title
