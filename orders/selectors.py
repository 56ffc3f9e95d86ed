from django.core.cache import cache
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from orders.errors import OrderNotFound
from orders.models import Message, Order, OrderEvent, OrderItem, OrderItemDiscount, OrderStatus

# Tabs of "My orders": name -> statuses shown.
TABS = {
    "all": None,
    "to_pay": [OrderStatus.PENDING_PAYMENT],
    "grouping": [OrderStatus.GROUPING],
    "to_ship": [OrderStatus.PAID],
    "to_receive": [OrderStatus.SHIPPED],
    "completed": [OrderStatus.COMPLETED],
    "cancelled": [OrderStatus.CANCELLED],
    "after_sales": [OrderStatus.REFUNDING, OrderStatus.REFUNDED],
}


def order_list_for_user(*, user, tab: str = "all") -> QuerySet[Order]:
    """The user's orders (newest first) with their items and discounts (each line's share
    too), in a fixed number of queries per page."""
    orders = Order.objects.filter(user=user).select_related("pickup_point", "slot_day__slot")
    orders = orders.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("pk")),
        Prefetch("items__discounts", queryset=OrderItemDiscount.objects.select_related("discount")),
        "discounts",
    )
    statuses = TABS.get(tab)
    return orders.filter(status__in=statuses) if statuses else orders


def order_get_for_user(*, user, order_no: str) -> Order:
    """One of the user's orders with items and history; anyone else's is not found."""
    order = (
        Order.objects.filter(user=user, order_no=order_no)
        .select_related("pickup_point", "slot_day__slot", "handover")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("pk")),
            Prefetch(
                "items__discounts", queryset=OrderItemDiscount.objects.select_related("discount")
            ),
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "pk")),
            "discounts",
            "parcels__items__item",
        )
        .first()
    )
    if order is None:
        raise OrderNotFound()
    return order


def order_actions(order: Order) -> list[str]:
    """What the shopper may do with the order now (an overdue unpaid order: only cancel,
    until the sweep closes it)."""
    if order.status == OrderStatus.PENDING_PAYMENT:
        if order.pay_deadline <= timezone.now() or not order.receiver_name:
            return ["cancel"]  # a flash-sale order without an address pays once it has one
        return ["pay", "cancel"]
    return {OrderStatus.SHIPPED: ["confirm_receipt"]}.get(order.status, [])


def order_address_editable(order: Order) -> bool:
    """A flash-sale order (made before the shopper chose where it ships) takes an address
    until it is paid; a checkout order has the one chosen at checkout."""
    return (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.pay_deadline > timezone.now()
        and (order.source == "seckill" or not order.receiver_name)
    )


UNREAD_SECONDS = 60


def _unread_key(user_id: int) -> str:
    return f"messages:unread:{user_id}"


def message_unread_count(*, user) -> int:
    """How many of the user's in-site messages are unread (the header shows it on every
    page, so it is cached; writing or reading messages forgets it, and it lives a minute)."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Message.objects.filter(user=user, read_at=None).count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def message_unread_forget(*, user_id: int) -> None:
    """After the user's messages changed: the next page counts them again."""
    cache.delete(_unread_key(user_id))


def picking_totals(*, orders):
    """What to pick for ``orders``: units per product and options, alphabetically."""
    return (
        OrderItem.objects.filter(order__in=[o.pk for o in orders])
        .values("product_name", "sku_options")
        .annotate(quantity=Sum("quantity"))
        .order_by("product_name", "sku_options")
    )
