"""拼团 group-buy: a campaign sells one SKU at a group price to groups of a given size.

A shopper opens a group by paying for a group order (团长) and others join it from its
share link; the group has its own deadline (its time to fill, never past the campaign's
end). A seat is taken when a member's payment lands, under the group's row lock, so a group
never holds more paid members than its size; it succeeds on its last seat and fails at its
deadline, when every member is refunded by their own task.

Like a flash sale, publishing moves the campaign's units from the SKU to the campaign and
ending moves what is left back, both through the stock ledger: ``stock`` here is the truth
for its units and every change to it is a GroupBuyStockMovement written with it
(``manage.py stock_audit`` proves it).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import Sku


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ENDED = "ended", _("Ended")


class GroupBuy(models.Model):
    """A group-buy campaign (拼团活动) for one SKU."""

    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="group_buys"
    )
    title = models.CharField(_("title"), max_length=100)
    group_price = models.DecimalField(_("group price"), max_digits=12, decimal_places=2)
    group_size = models.PositiveSmallIntegerField(
        _("group size"), default=2, help_text=_("Shoppers a group needs, the leader included.")
    )
    fill_minutes = models.PositiveIntegerField(
        _("time to fill (minutes)"),
        default=1440,
        help_text=_("From the leader's payment; 1440 is 24 hours. Never past the campaign's end."),
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    allocated = models.PositiveIntegerField(_("units allocated"))
    per_user_limit = models.PositiveSmallIntegerField(
        _("limit per shopper"), default=1, help_text=_("Units one shopper may buy in all.")
    )
    virtual_fill = models.BooleanField(
        _("fill with virtual members"),
        default=False,
        help_text=_(
            "At the deadline a group that is not full is completed with virtual members "
            "(counted as such here, never shown as shoppers) instead of failing."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # Units the campaign holds (the truth; GroupBuyStockMovement records every change).
    stock = models.PositiveIntegerField(_("units left"), default=0, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")
        constraints = [
            models.CheckConstraint(
                condition=Q(group_price__gt=0), name="marketing_groupbuy_price_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(group_size__gte=2, group_size__lte=100),
                name="marketing_groupbuy_size_2_100",
            ),
            models.CheckConstraint(
                condition=Q(fill_minutes__gte=1), name="marketing_groupbuy_fill_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(allocated__gt=0), name="marketing_groupbuy_units_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1), name="marketing_groupbuy_limit_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="marketing_groupbuy_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self):
        return self.title


class GroupBuyStockReason(models.TextChoices):
    ALLOCATION = "allocation", _("Moved from the SKU")
    RETURN = "return", _("Back to the SKU")
    ORDER = "order", _("Group order")
    CANCEL = "cancel", _("Order cancelled")
    TIMEOUT = "timeout", _("Order not paid in time")
    REFUND = "refund", _("Refunded before shipping")


class GroupBuyStockMovement(models.Model):
    """One change to a campaign's units, written with the conditional UPDATE it records."""

    campaign = models.ForeignKey(
        GroupBuy, verbose_name=_("group buy"), on_delete=models.CASCADE, related_name="movements"
    )
    quantity = models.IntegerField(_("quantity"))
    stock_after = models.PositiveIntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=16, choices=GroupBuyStockReason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group-buy stock movement")
        verbose_name_plural = _("group-buy stock movements")

    def __str__(self):
        return str(self.get_reason_display())


class TeamStatus(models.TextChoices):
    OPENING = "opening", _("Leader paying")  # not shown until the leader's payment lands
    OPEN = "open", _("Open")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Not opened")  # the leader never paid


class TeamFailure(models.TextChoices):
    DEADLINE = "deadline", _("Not full by its deadline")
    ENDED = "ended", _("Campaign ended early")


class GroupBuyTeam(models.Model):
    """One group (团) of a campaign. ``seats_taken`` counts the members whose payment
    landed; it moves only under the row's lock, and the database holds it within the size."""

    campaign = models.ForeignKey(
        GroupBuy, verbose_name=_("group buy"), on_delete=models.PROTECT, related_name="teams"
    )
    team_no = models.CharField(_("group number"), max_length=24, unique=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    size = models.PositiveSmallIntegerField(_("size"))
    seats_taken = models.PositiveSmallIntegerField(_("paid members"), default=0)
    virtual_members = models.PositiveSmallIntegerField(_("virtual members"), default=0)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=TeamStatus.choices,
        default=TeamStatus.OPENING,
        db_index=True,
    )
    failure = models.CharField(
        _("why it failed"), max_length=12, choices=TeamFailure.choices, blank=True, default=""
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("size") - F("virtual_members")),
                name="marketing_team_seats_within_size",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "deadline"], name="marketing_team_open")
        ]

    def __str__(self):
        return self.team_no

    def get_absolute_url(self):
        return reverse("marketing:group", args=[self.team_no])

    @property
    def seats_left(self) -> int:
        return max(self.size - self.seats_taken - self.virtual_members, 0)


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Paying")
    JOINED = "joined", _("Paid, in the group")
    LEFT = "left", _("Left unpaid")  # the order was cancelled or timed out before payment
    REFUSED = "refused", _("Refunded: group full")
    REFUNDED = "refunded", _("Refunded: group failed")


# A member holds (or is paying for) a place in the group in these.
MEMBER_ACTIVE = (MemberStatus.PENDING, MemberStatus.JOINED)


class GroupBuyMember(models.Model):
    """A shopper's order in a group. One active membership per shopper and group (a
    database constraint): nobody joins the same group twice."""

    team = models.ForeignKey(
        GroupBuyTeam, verbose_name=_("group"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="group_member",
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    is_leader = models.BooleanField(_("leader"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.PENDING
    )
    joined_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(status__in=MEMBER_ACTIVE),
                name="marketing_member_once_per_team",
                violation_error_message=_("You are in this group already."),
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_leader=True), name="marketing_member_one_leader"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="marketing_member_quantity_gte_1"
            ),
        ]

    def __str__(self):
        return str(self.user)


class GroupBuyQuota(models.Model):
    """Units a shopper holds in a campaign (paying for or bought), against its limit per
    shopper: taken by a conditional UPDATE, given back once when a membership ends unpaid,
    refused or refunded."""

    campaign = models.ForeignKey(
        GroupBuy, verbose_name=_("group buy"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    units = models.PositiveSmallIntegerField(_("units"), default=0)
    # The campaign's limit per shopper when the row was made (fixed once it is published):
    # the database holds ``units`` within it, behind the conditional UPDATE.
    limit = models.PositiveSmallIntegerField(_("limit"), default=1)

    class Meta:
        verbose_name = _("group-buy quota")
        verbose_name_plural = _("group-buy quotas")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="marketing_quota_once"),
            models.CheckConstraint(
                condition=Q(units__lte=F("limit")), name="marketing_quota_within_limit"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.user_id}"
