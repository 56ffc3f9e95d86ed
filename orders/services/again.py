"""Buy again (再次购买): an order's lines go into the shopper's cart at today's prices (the
cart prices them when it is shown); lines whose SKU is no longer sold, or has none left,
are named instead. Quantities are capped by what is in stock."""

from __future__ import annotations

from dataclasses import dataclass, field

from carts.errors import CartFull, ExceedsStock, QuantityInvalid, SkuUnavailable
from carts.keys import user_cart_key
from carts.services import cart_add
from catalog.models import ProductStatus, Sku
from orders.models import Order


@dataclass
class BuyAgain:
    added: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def order_buy_again(*, user, order: Order) -> BuyAgain:
    """Put the order's lines in ``user``'s cart (a cart that cannot be reached raises
    CartUnavailable, answered 503)."""
    outcome = BuyAgain()
    items = list(order.items.all())
    skus = Sku.objects.select_related("product").in_bulk(
        [item.sku_id for item in items if item.sku_id]
    )
    for item in items:
        name = f"{item.product_name} {item.sku_options}".strip()
        sku = skus.get(item.sku_id)
        sold = sku is not None and sku.is_active and sku.product.status == ProductStatus.ON_SALE
        if not sold or sku.stock < 1:
            outcome.missing.append(name)
            continue
        try:
            cart_add(
                key=user_cart_key(user.pk),
                sku_id=sku.pk,
                quantity=min(item.quantity, sku.stock),
            )
        except (SkuUnavailable, ExceedsStock, QuantityInvalid, CartFull):
            outcome.missing.append(name)
            continue
        outcome.added.append(name)
    return outcome
