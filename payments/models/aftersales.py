"""After-sales (售后): refund-only requests before shipping, return-and-refund after it, and
the automatic refunds of money that arrived for a cancelled order.

A request's status changes only through payments.services.aftersales (conditional UPDATEs
over its TRANSITIONS, each writing an AfterSaleEvent); the money goes back as a Refund
(numbered in ``refund_no``). The order's own state and stock change through orders'
services.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import ActorType, Order, OrderItem, OrderStatus
from payments.storage import aftersale_photo_storage


class AfterSaleReason(models.Model):
    """A reason shoppers pick from (不想要了, 商品破损 …), managed by the merchant."""

    class AppliesTo(models.TextChoices):
        ANY = "any", _("Both kinds of request")
        REFUND = "refund", _("Refund only")
        RETURN = "return", _("Return and refund")

    name = models.CharField(_("reason"), max_length=60)
    applies_to = models.CharField(
        _("offered for"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ANY
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("after-sales reason")
        verbose_name_plural = _("after-sales reasons")

    def __str__(self):
        return self.name


class AfterSaleKind(models.TextChoices):
    REFUND = "refund", _("Refund only")
    RETURN = "return", _("Return and refund")
    # Money that arrived for a cancelled order goes back with no merchant step.
    AUTOMATIC = "automatic", _("Automatic refund")


class AfterSaleStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting the merchant")
    AWAITING_RETURN = "awaiting_return", _("Approved: send the goods back")
    RETURN_SHIPPED = "return_shipped", _("Goods on their way back")
    REFUNDING = "refunding", _("Refund under way")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    AfterSaleStatus.REQUESTED,
    AfterSaleStatus.AWAITING_RETURN,
    AfterSaleStatus.RETURN_SHIPPED,
    AfterSaleStatus.REFUNDING,
    AfterSaleStatus.REFUND_FAILED,
)


class AfterSaleRequest(models.Model):
    request_no = models.CharField(_("request number"), max_length=32, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="aftersales"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="aftersales",
    )
    kind = models.CharField(_("type"), max_length=10, choices=AfterSaleKind.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AfterSaleStatus.choices,
        default=AfterSaleStatus.REQUESTED,
        db_index=True,
    )
    reason = models.ForeignKey(
        AfterSaleReason,
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("shopper's note"), max_length=500, blank=True, default="")
    amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2)
    # The order's status when the request was made: where a rejection or withdrawal puts
    # it back (an order that was never shipped never becomes "shipped").
    order_status_before = models.CharField(
        max_length=20, choices=OrderStatus.choices, editable=False
    )
    merchant_note = models.CharField(_("merchant's note"), max_length=500, blank=True, default="")
    # Where the goods go back (the merchant's return address when the return was approved).
    return_to = models.CharField(_("send back to"), max_length=300, blank=True, default="")
    return_carrier = models.CharField(_("return carrier"), max_length=50, blank=True, default="")
    return_tracking_no = models.CharField(
        _("return tracking number"), max_length=64, blank=True, default=""
    )
    # The payments app's refund number: reused by every retry, so nothing is paid twice.
    refund_no = models.CharField(_("refund number"), max_length=32, blank=True, default="")
    refund_error = models.CharField(_("provider's message"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=OPEN_STATUSES),
                name="payments_aftersale_one_open_per_order",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_aftersale_amount_gt_0"
            ),
        ]

    def __str__(self):
        return self.request_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AfterSaleItem(models.Model):
    """What goes back in a return: an order line and how many of it."""

    request = models.ForeignKey(AfterSaleRequest, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey(
        OrderItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("returned item")
        verbose_name_plural = _("returned items")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="payments_aftersale_item_qty_gt_0"
            )
        ]

    def __str__(self):
        return f"{self.order_item.product_name} × {self.quantity}"


def aftersale_photo_path(instance, filename: str) -> str:
    """A random name, not the shopper's: media is served to whoever has the URL (nginx,
    or a bucket's public URL), so a photo of a parcel label or a face must not sit at a
    guessable address like aftersales/2026/12/IMG_0001.jpg. 128 random bits; the
    extension stays (it was checked against the image's format)."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"aftersales/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AfterSalePhoto(models.Model):
    request = models.ForeignKey(AfterSaleRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=aftersale_photo_path, storage=aftersale_photo_storage
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name

    def get_absolute_url(self) -> str:
        """The only address the photo is shown at (payments.storage says why)."""
        return reverse("payments:aftersale_photo", args=[self.pk])


class AfterSaleEvent(models.Model):
    """One step of a request, shown to the shopper as its timeline."""

    request = models.ForeignKey(AfterSaleRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=AfterSaleStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=AfterSaleStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_type = models.CharField(_("role"), max_length=10, choices=ActorType.choices)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("after-sales event")
        verbose_name_plural = _("after-sales events")

    def __str__(self):
        return str(self.get_to_status_display())

    @property
    def note_display(self) -> str:
        """The note as the reader reads it: a return's carrier by its name in their
        language (the note keeps the carrier's code, "YTO YT9876543210")."""
        if self.to_status == AfterSaleStatus.RETURN_SHIPPED and " " in self.note:
            from orders.carriers import carrier_label

            code, tracking_no = self.note.split(" ", 1)
            return f"{carrier_label(code)} {tracking_no}"
        return self.note
