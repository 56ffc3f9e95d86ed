"""Demo reviews (idempotent): the demo shopper has a received order with one line to review
(待评价), and a few products carry reviews from other shoppers, one with the shop's reply."""

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Product, ProductStatus
from orders.models import Order, OrderStatus
from orders.services import OrderLine, order_create_from_lines, order_transition

REVIEWS = [
    # (shopper, rating, text, anonymous, reply)
    ("shopper2", 5, "做工很好，物流也快，第二天就到了。", False, "感谢您的支持，欢迎再来！"),
    ("shopper3", 4, "整体不错，包装可以再结实一点。", True, ""),
]


def _received(user, sku) -> Order:
    """An order of one ``sku``, paid, shipped and received, through the order services."""
    address = user.addresses.order_by("-is_default", "pk").first()
    order, _created = order_create_from_lines(
        user=user,
        lines=[OrderLine(sku_id=sku.pk, quantity=1)],
        source="web",
        idempotency_key=f"demo-review:{sku.pk}",
        pay_timeout=1800,
        address=address,
    )
    for status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        fields = (
            {"carrier": "SF", "tracking_no": f"SF{order.pk:010d}"} if status == "shipped" else {}
        )
        if Order.objects.filter(pk=order.pk, status=status).exists():
            continue
        order_transition(order_id=order.pk, to_status=status, fields=fields)
    return Order.objects.get(pk=order.pk)


def seed(stdout) -> None:
    from reviews.models import Review
    from reviews.services import review_create, review_reply

    if Review.objects.exists():
        return
    users = get_user_model().objects
    products = Product.objects.filter(status=ProductStatus.ON_SALE, is_hot=True).order_by("pk")
    for product in products[:3]:
        sku = product.skus.filter(is_active=True, stock__gte=5).order_by("pk").first()
        if sku is None:
            continue
        for username, rating, text, anonymous, reply in REVIEWS:
            user = users.filter(username=username).first()
            if user is None or not user.addresses.exists():
                continue
            with transaction.atomic():
                order = _received(user, sku)
                review = review_create(
                    user=user,
                    order_item_id=order.items.get().pk,
                    rating=rating,
                    text=text,
                    anonymous=anonymous,
                )
                if reply:
                    review_reply(review_id=review.pk, text=reply)
    shopper = users.filter(username="shopper").first()
    first = products.first()
    if shopper is not None and first is not None:
        sku = first.skus.filter(is_active=True, stock__gte=5).order_by("pk").first()
        if sku is not None:
            _received(shopper, sku)  # for the demo shopper to review (待评价)
    stdout.write(f"Demo reviews: {Review.objects.count()}; the demo shopper has a line to review.")
