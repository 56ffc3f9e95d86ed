"""Members (会员): the merchant's points rules, the level table, and each shopper's growth.

``MemberRules`` is one row (pk 1) the merchant edits in the admin: how many points a yuan
earns, what points are worth at checkout and how much of an order they may pay, the
check-in cycle and how long points last. ``MemberLevel`` rows are the levels (普通会员, 银卡,
金卡 …), each reached at a growth value (≥, not >). A shopper's ``Membership`` holds the
growth (成长值) and the level it reached; growth changes only in marketing.services.members,
by conditional updates in the transaction of its ``GrowthEntry`` (never below zero), and
the level is recomputed with every change, up and down.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User

DEFAULT_CYCLE = "5,5,10,10,15,15,30"
# A cycle of at most a month, each day at most this many points.
CYCLE_MAX_DAYS = 31
CYCLE_MAX_POINTS = 10_000


def parse_cycle(text: str) -> list[int]:
    """ "5, 5, 10" → [5, 5, 10] (commas, Chinese commas or spaces between); ValueError when a
    day is not a whole number of points from 0 to CYCLE_MAX_POINTS, or there are none or too
    many days."""
    parts = str(text).replace("，", ",").replace(" ", ",").split(",")
    days = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        # ASCII digits only: isdigit() admits "²", and int() reads other scripts' digits.
        if not (part.isascii() and part.isdigit()):
            raise ValueError(part)
        days.append(int(part))
    if not days or len(days) > CYCLE_MAX_DAYS or any(d > CYCLE_MAX_POINTS for d in days):
        raise ValueError(text)
    return days


def validate_cycle(text: str) -> None:
    try:
        parse_cycle(text)
    except ValueError:
        raise ValidationError(
            _(
                "Give the points of each day of the cycle as whole numbers from 0 to "
                "%(most)s, separated by commas (at most %(days)s days)."
            ),
            params={"most": CYCLE_MAX_POINTS, "days": CYCLE_MAX_DAYS},
            code="cycle",
        ) from None


class MemberRules(models.Model):
    """The shop's points rules: one row, pk 1 (``marketing.selectors.member_rules``)."""

    points_per_yuan = models.DecimalField(
        _("points per yuan paid"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("What each yuan an order's goods cost after every discount earns."),
    )
    points_per_yuan_off = models.PositiveIntegerField(
        _("points for ¥1 off"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("How many points take ¥1 off at checkout (points are spent in such units)."),
    )
    points_max_percent = models.PositiveSmallIntegerField(
        _("points pay at most (%)"),
        default=50,
        validators=[MaxValueValidator(99)],
        help_text=_(
            "The share of an order's goods points may pay; 0 turns paying with points off."
        ),
    )
    check_in_cycle = models.CharField(
        _("check-in points"),
        max_length=250,
        default=DEFAULT_CYCLE,
        validators=[validate_cycle],
        help_text=_(
            "The points of each day of a check-in streak, separated by commas; the cycle "
            "repeats, and a missed day starts it again."
        ),
    )
    points_expiry_years = models.PositiveSmallIntegerField(
        _("points last (years)"),
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "Points earned in a year expire at the end of the year this many years on "
            "(0: at the end of the same year)."
        ),
    )
    growth_per_yuan = models.DecimalField(
        _("growth per yuan paid"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "The growth value each yuan an order's goods cost earns; refunds take it back."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points rules")
        verbose_name_plural = _("points rules")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="marketing_member_rules_one"),
        ]

    def __str__(self) -> str:
        return str(_("Points rules"))

    @property
    def cycle(self) -> list[int]:
        try:
            return parse_cycle(self.check_in_cycle)
        except ValueError:
            return parse_cycle(DEFAULT_CYCLE)


class MemberLevel(models.Model):
    """A level a shopper reaches at ``growth_min`` growth (≥)."""

    name = models.CharField(_("name"), max_length=40)
    growth_min = models.PositiveIntegerField(
        _("growth needed"),
        unique=True,
        help_text=_("A shopper whose growth reaches this value (or more) has this level."),
    )
    discount_percent = models.DecimalField(
        _("member discount (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text=_("A percent off every item for members of this level (5 = 95% of the price)."),
    )
    points_multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_("Orders of members of this level earn this many times the points."),
    )

    class Meta:
        ordering = ["growth_min"]
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=50),
                name="marketing_level_discount",
            ),
            models.CheckConstraint(
                condition=Q(points_multiplier__gte=1), name="marketing_level_multiplier"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberTag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("member tag")
        verbose_name_plural = _("member tags")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="membership",
    )
    growth = models.IntegerField(_("growth"), default=0)
    level = models.ForeignKey(
        MemberLevel,
        verbose_name=_("level"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    tags = models.ManyToManyField(MemberTag, verbose_name=_("tags"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=Q(growth__gte=0), name="marketing_growth_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.growth}"


class Member(User):
    """A shopper as the merchant's members list shows them (the admin's 会员管理)."""

    class Meta:
        proxy = True
        verbose_name = _("member")
        verbose_name_plural = _("members")


class GrowthReason(models.TextChoices):
    ORDER_PAID = "order_paid", _("Paid order")
    REFUND = "refund", _("Refund")
    ADJUSTED = "adjusted", _("Adjusted by the shop")


class GrowthEntry(models.Model):
    """One change of a shopper's growth, unique per reason and reference."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="growth_entries",
    )
    amount = models.IntegerField(_("growth"))
    growth_after = models.IntegerField(_("growth after"))
    reason = models.CharField(_("reason"), max_length=24, choices=GrowthReason.choices)
    reference = models.CharField(_("reference"), max_length=64)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("growth entry")
        verbose_name_plural = _("growth entries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason", "reference"], name="marketing_growth_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} · {self.get_reason_display()}"
