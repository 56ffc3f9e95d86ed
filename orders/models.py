from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    # Paid for a group (拼团) that is not full yet: nothing ships until it is (待成团).
    GROUPING = "grouping", _("Paid, waiting for the group")
    PAID = "paid", _("Paid, awaiting shipment")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDING = "refunding", _("Refunding")
    REFUNDED = "refunded", _("Refunded")


class OrderSource(models.TextChoices):
    WEB = "web", _("Web shop")
    API = "api", _("Mini-program / app")
    SECKILL = "seckill", _("Flash sale")
    GROUPBUY = "groupbuy", _("Group buy")


class DeliveryMethod(models.TextChoices):
    EXPRESS = "express", _("Delivery")
    LOCAL = "local", _("Local delivery")
    PICKUP = "pickup", _("Pickup")


class Order(models.Model):
    """An order. Its status changes only through orders.services.order_transition."""

    order_no = models.CharField(_("order number"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
        db_index=True,
    )
    # The price engine's figures (carts.pricing): the items at their item prices, every
    # discount (on the items and on shipping, OrderDiscount), the shipping fee before its
    # discounts; total = items + shipping - discount.
    items_amount = models.DecimalField(_("items"), max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    shipping_fee = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    # Paid back so far (after-sales); grows only by conditional UPDATEs in one service.
    refunded_amount = models.DecimalField(_("refunded"), max_digits=12, decimal_places=2, default=0)
    remark = models.CharField(_("remark"), max_length=200, blank=True, default="")
    # Address snapshot: later edits to the address book do not change the order.
    receiver_name = models.CharField(_("receiver"), max_length=50)
    receiver_phone = models.CharField(_("receiver phone"), max_length=16, db_index=True)
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50)
    # The district's code (accounts.regions): what freight and the shipping desk go by.
    region_code = models.CharField(_("region"), max_length=6, blank=True, default="")
    detail = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True, default="")
    source = models.CharField(
        _("source"), max_length=16, choices=OrderSource.choices, default=OrderSource.WEB
    )
    idempotency_key = models.CharField(max_length=100, blank=True, default="", editable=False)
    pay_deadline = models.DateTimeField(_("pay by"), db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True, default="")
    carrier = models.CharField(_("carrier"), max_length=50, blank=True, default="")
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True, default="")
    delivery_method = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.EXPRESS
    )
    pickup_point = models.ForeignKey(
        "delivery.PickupPoint",
        verbose_name=_("pickup point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # The slot and date chosen (its place held by a delivery.SlotBooking of this order).
    slot_day = models.ForeignKey(
        "delivery.SlotDay",
        verbose_name=_("time slot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # Given when a pickup order is paid; handed over once (PickupHandover).
    pickup_code = models.CharField(_("pickup code"), max_length=8, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="orders_order_idempotency_per_user",
            ),
            models.UniqueConstraint(
                fields=["pickup_code"],
                condition=~Q(pickup_code=""),
                name="orders_order_pickup_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="orders_order_total_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("total_amount")),
                name="orders_order_refunded_within_total",
            ),
            models.CheckConstraint(
                # Rounded to the fen: SQLite (the embedded mode) adds decimals as floats,
                # where 299.00 - 58.92 is not 240.08; PostgreSQL's numeric is exact anyway.
                condition=Q(
                    discount_amount__gte=0,
                    total_amount=Round(
                        F("items_amount") + F("shipping_fee") - F("discount_amount"), 2
                    ),
                ),
                name="orders_order_total_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status", "-created_at"], name="orders_user_status")
        ]

    def __str__(self):
        return self.order_no

    def get_absolute_url(self):
        return reverse("orders:detail", args=[self.order_no])

    @property
    def cancel_reason_display(self) -> str:
        """Why it was cancelled, in the reader's language when the shop gave the reason."""
        from orders.notes import note_text

        return note_text(self.cancel_reason, None, self.cancel_reason)

    @property
    def full_address(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.detail) if p)


class OrderItem(models.Model):
    """A line of an order, with what the shopper saw when buying (name, options, price)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="items"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.SET_NULL, null=True, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=200)
    sku_code = models.CharField(_("SKU code"), max_length=64)
    sku_attributes = models.JSONField(_("options"), default=dict)
    # The options as the shopper read them when buying (in their language, like the name);
    # ``sku_attributes`` keeps the spec's own keys and values.
    sku_options = models.CharField(_("options as shown"), max_length=300, blank=True, default="")
    image_url = models.CharField(max_length=500, blank=True, default="")
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    # The line's share of the order's discounts (OrderItemDiscount) and what it cost after
    # them: what a refund of the whole line pays back, never more.
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=0)
    paid_amount = models.DecimalField(_("paid"), max_digits=12, decimal_places=2)
    # The line's part of the shipping paid (each template's fee over its lines, in fen);
    # the lines' parts sum to the shipping paid.
    shipping_amount = models.DecimalField(
        _("shipping part"), max_digits=12, decimal_places=2, default=0
    )
    # Where its units came from: "" is the SKU, else a registered source such as
    # "seckill:<event id>" (orders.stock_sources), where cancel and refund return them.
    stock_source = models.CharField(max_length=40, blank=True, default="", editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_item_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(
                    discount_amount__gte=0,
                    paid_amount__gte=0,
                    paid_amount=Round(F("line_total") - F("discount_amount"), 2),
                ),
                name="orders_item_paid_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.product_name} × {self.quantity}"

    @property
    def options_label(self) -> str:
        return self.sku_options or " / ".join(str(v) for v in self.sku_attributes.values())


class DiscountTarget(models.TextChoices):
    ITEMS = "items", _("Items")
    SHIPPING = "shipping", _("Shipping")


class OrderDiscount(models.Model):
    """One discount of an order as the price engine recorded it: which stage, what (a
    promotion, a coupon …), how much; its share of each line in OrderItemDiscount."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="discounts"
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    kind = models.CharField(_("kind"), max_length=20)
    # "promotion:3", "coupon:17": unique within the order.
    source = models.CharField(_("source"), max_length=64)
    label = models.CharField(_("discount"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    target = models.CharField(
        _("on"), max_length=10, choices=DiscountTarget.choices, default=DiscountTarget.ITEMS
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["stage", "pk"]
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "source"], name="orders_discount_one_per_source"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_discount_gt_0"),
        ]
        indexes = [models.Index(fields=["kind", "source"], name="orders_discount_source")]

    def __str__(self):
        return f"{self.label} −{self.amount}"


class OrderItemDiscount(models.Model):
    """A line's share of one discount, in fen, as allocated when the order was made."""

    item = models.ForeignKey(
        OrderItem, verbose_name=_("order item"), on_delete=models.CASCADE, related_name="discounts"
    )
    discount = models.ForeignKey(
        OrderDiscount,
        verbose_name=_("discount"),
        on_delete=models.CASCADE,
        related_name="allocations",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("line discount")
        verbose_name_plural = _("line discounts")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "discount"], name="orders_item_discount_one_per_line"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_item_discount_gt_0"),
        ]

    def __str__(self):
        return f"{self.discount.label} −{self.amount}"


class ActorType(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    MERCHANT = "merchant", _("Merchant")
    SYSTEM = "system", _("System")


class OrderEvent(models.Model):
    """One status change: who, when, from, to, and why."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=OrderStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_type = models.CharField(_("who"), max_length=10, choices=ActorType.choices)
    # What a person typed (a shopper's reason), or the text of an event from before keys.
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    # The note as a key and parameters (orders.notes), read in the reader's language.
    note_key = models.CharField(max_length=32, blank=True, default="", editable=False)
    note_params = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self):
        # As the admin titles each row of an order's history: in the reader's language.
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"

    @property
    def note_display(self) -> str:
        from orders.notes import note_text

        return note_text(self.note_key, self.note_params, self.note)


class Message(models.Model):
    """An in-site message to a shopper (order created, paid, shipped …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    # Which event of the order it tells about (created, paid, shipped, cancelled, or an
    # after-sales step "aftersale:<event id>"): one message per recipient, order and event,
    # however often the task is delivered.
    kind = models.CharField(_("event"), max_length=64, blank=True, default="")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, default="")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set once the email went out, so a retried task sends one that failed and no other.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Set once WeChat took its subscribe message (or said the shopper has not subscribed).
    wechat_sent_at = models.DateTimeField(_("sent to WeChat at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "order", "kind"],
                condition=~Q(kind=""),
                name="orders_message_one_per_recipient_event",
            )
        ]

    def __str__(self):
        return self.title


class PickupHandover(models.Model):
    """A pickup order handed over at its point: who did it and when. One an order (the code
    works once)."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="handover"
    )
    point = models.ForeignKey(
        "delivery.PickupPoint", verbose_name=_("pickup point"), on_delete=models.PROTECT
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("handed over at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pickup handover")
        verbose_name_plural = _("pickup handovers")

    def __str__(self):
        return self.order.order_no


class Parcel(models.Model):
    """One parcel of an order, with its carrier and tracking number: an order may go in
    several, and is shipped once every unit of every line is in one."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="parcels"
    )
    carrier = models.CharField(_("carrier"), max_length=50)
    tracking_no = models.CharField(_("tracking number"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("shipped at"), auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")

    def __str__(self):
        return f"{self.carrier} {self.tracking_no}"


class ParcelItem(models.Model):
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(OrderItem, on_delete=models.CASCADE, related_name="parcel_items")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("parcel line")
        verbose_name_plural = _("parcel lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_parcel_item_gt_0"),
            models.UniqueConstraint(fields=["parcel", "item"], name="orders_parcel_item_once"),
        ]

    def __str__(self):
        return f"{self.item_id} × {self.quantity}"
