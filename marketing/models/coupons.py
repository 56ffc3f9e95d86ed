"""Coupons: the templates a merchant sets up, and each shopper's coupons.

Every limit is held by the database as well as by the services' conditional updates: the
total by a check on ``issued_count``, the per-day limit by one row per template and day, the
per-shopper limit by a unique claim number per shopper, one coupon per order by the hold's
conditional update (``status = available``)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketing.models.promotions import ScopedRule, percent_field


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percent off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class CouponTemplate(ScopedRule):
    """What a coupon gives and who may have how many. Once coupons are out, what they give
    and apply to is fixed (the admin shows it read-only); the template can be stopped and
    its unused coupons voided."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CouponKind, default=CouponKind.AMOUNT)
    amount_off = models.DecimalField(
        _("amount off"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_percent = percent_field(_("percent of the price"), _("90 pays 90 % (9 折)."))
    max_off = models.DecimalField(
        _("at most off"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a percent coupon: the most it takes off."),
    )
    threshold = models.DecimalField(
        _("minimum spend"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_("0: no minimum (无门槛)."),
    )
    total_quantity = models.PositiveIntegerField(
        _("coupons in all"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    issued_count = models.PositiveIntegerField(_("issued"), default=0, editable=False)
    per_user_limit = models.PositiveSmallIntegerField(
        _("per shopper"), default=1, validators=[MinValueValidator(1)]
    )
    per_day_limit = models.PositiveIntegerField(
        _("per day"), null=True, blank=True, help_text=_("Coupons claimed per day in all.")
    )
    claim_starts_at = models.DateTimeField(_("claims open"), null=True, blank=True)
    claim_ends_at = models.DateTimeField(_("claims close"), null=True, blank=True)
    valid_from = models.DateTimeField(_("usable from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("usable until"), null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(
        _("usable for days after claiming"),
        null=True,
        blank=True,
        help_text=_("Instead of a fixed window: usable this many days from the claim."),
    )
    new_shoppers_only = models.BooleanField(
        _("new shoppers only"),
        default=False,
        help_text=_("Only shoppers who never paid an order; given at registration."),
    )
    in_coupon_centre = models.BooleanField(_("shown in the coupon centre"), default=True)
    return_on_refund = models.BooleanField(
        _("returned with a full refund"),
        default=False,
        help_text=_("A coupon always comes back when its unpaid order is cancelled."),
    )
    is_active = models.BooleanField(_("claims allowed"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_quantity__isnull=True) | Q(issued_count__lte=F("total_quantity")),
                name="marketing_coupon_within_total",
            ),
            models.CheckConstraint(
                condition=(Q(kind="amount") & Q(amount_off__gt=0))
                | (Q(kind="percent") & Q(price_percent__isnull=False))
                | Q(kind="free_shipping"),
                name="marketing_coupon_kind_terms",
            ),
            models.CheckConstraint(
                condition=Q(valid_days__isnull=False) | (Q(valid_until__isnull=False)),
                name="marketing_coupon_validity",
            ),
        ]

    def __str__(self):
        return self.name


class CouponDay(models.Model):
    """Coupons of a template claimed on one day (the shop's calendar), for its per-day
    limit: taken by a conditional update on this row."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    claimed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "day"], name="marketing_coupon_day_once")
        ]

    def __str__(self):
        return f"{self.template_id} · {self.day}"


class CouponSource(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    GRANTED = "granted", _("Given by the shop")
    REGISTRATION = "registration", _("Welcome gift")


class CouponStatus(models.TextChoices):
    AVAILABLE = "available", _("Unused")
    HELD = "held", _("Held by an unpaid order")
    USED = "used", _("Used")
    VOIDED = "voided", _("Voided")


class CouponIssueStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Giving out")
    DONE = "done", _("Done")


class CouponIssue(models.Model):
    """The merchant gives a template to chosen shoppers or to everyone: a task gives it out
    in batches, one coupon per shopper and issue (a constraint), so a re-run gives nobody a
    second one."""

    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="issues"
    )
    to_everyone = models.BooleanField(_("to every shopper"), default=False)
    user_ids = models.JSONField(_("shoppers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CouponIssueStatus, default=CouponIssueStatus.QUEUED
    )
    # Progress: shoppers up to this id were seen; how many got one, how many did not (the
    # coupons ran out, or they had as many as allowed).
    last_user_id = models.BigIntegerField(default=0, editable=False)
    granted = models.PositiveIntegerField(_("given"), default=0)
    skipped = models.PositiveIntegerField(_("not given"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coupon issue")
        verbose_name_plural = _("coupon issues")

    def __str__(self):
        when = timezone.localtime(self.created_at) if self.created_at else None
        return f"{self.template} · {when:%Y-%m-%d %H:%M}" if when else str(self.template)


class UserCoupon(models.Model):
    """A shopper's coupon. Held by one unpaid order at a time, used once; given back when
    that order is cancelled (and, if its template says so, fully refunded)."""

    template = models.ForeignKey(
        CouponTemplate, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="coupons"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="coupons",
    )
    # The shopper's n-th coupon of this template: unique, so the per-shopper limit holds
    # however many claims race (the n-th can be written once).
    number = models.PositiveSmallIntegerField(editable=False)
    source = models.CharField(_("how"), max_length=12, choices=CouponSource)
    issue = models.ForeignKey(
        CouponIssue, on_delete=models.SET_NULL, null=True, blank=True, related_name="coupons"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CouponStatus,
        default=CouponStatus.AVAILABLE,
        db_index=True,
    )
    valid_from = models.DateTimeField(_("usable from"))
    valid_until = models.DateTimeField(_("usable until"))
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["valid_until", "pk"]
        verbose_name = _("shopper's coupon")
        verbose_name_plural = _("shoppers' coupons")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "user", "number"], name="marketing_coupon_nth_once"
            ),
            models.UniqueConstraint(
                fields=["issue", "user"],
                condition=Q(issue__isnull=False),
                name="marketing_coupon_once_per_issue",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["held", "used"], order__isnull=False)
                | ~Q(status__in=["held", "used"]),
                name="marketing_coupon_held_by_an_order",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status", "valid_until"], name="marketing_coupon_mine")
        ]

    def __str__(self):
        return f"{self.template} · {self.user}"
