"""Cart reads: every line with live price, stock and availability, and the totals."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch

from carts.errors import cart_store
from carts.pricing import AUTO, Quote, price_line, price_quote
from carts.services import cart_lines_raw
from catalog.models import ProductImage, ProductStatus, Sku
from config.redis import get_redis

# Why a line cannot be checked out (None: it can).
UNAVAILABLE = "unavailable"  # the SKU no longer exists
OFF_SALE = "off_sale"  # product taken off sale or SKU deactivated
OUT_OF_STOCK = "out_of_stock"
INSUFFICIENT_STOCK = "insufficient_stock"  # fewer in stock than the line's quantity


@cart_store
def cart_count(*, key: str | None) -> int:
    """Units in the cart, for the header badge (one Redis call, no SQL)."""
    if not key:
        return 0
    raw = get_redis().hgetall(key)
    return sum(int(v) for f, v in raw.items() if f.startswith("q:"))


def cart_view(
    *,
    key: str | None,
    user=None,
    coupon=AUTO,
    points=None,
    address=None,
    pickup=None,
    local=None,
) -> dict:
    """The cart as the shopper sees it, priced by the engine (carts.pricing) for ``user``
    with ``coupon`` (the best that applies unless told), ``points`` (none unless told) and
    shipping to ``address`` (None: each template's own charge, an estimate): a fixed number
    of SQL queries whatever its size."""
    raw = cart_lines_raw(key=key) if key else {}
    skus = {
        sku.pk: sku
        for sku in Sku.objects.filter(pk__in=raw)
        .select_related("product", "product__category")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("sort_order", "pk"))
        )
    }
    lines = []
    for sku_id, entry in sorted(raw.items(), key=lambda item: -item[1]["added"]):
        lines.append(_line(sku_id, entry, skus.get(sku_id)))
    chosen = [line for line in lines if line["selected"] and line["issue"] is None]
    quote = price_quote(
        lines=[price_line(skus[line["sku_id"]], line["quantity"]) for line in chosen],
        user=user,
        coupon=coupon,
        points=points,
        address=address,
        pickup=pickup,
        local=local,
    )
    for i, (line, priced) in enumerate(zip(chosen, quote.lines, strict=True)):
        line["undeliverable"] = i in quote.undeliverable
        line["discount"] = priced.discount
        line["net"] = priced.net
        line["sale_unit_price"] = priced.sale_unit_price
        # What the line costs at its limited-time price (the unit price shown times the
        # quantity); "after discounts" is shown only when more than that comes off.
        if priced.sale_unit_price is not None:
            line["sale_total"] = priced.sale_unit_price * line["quantity"]
    return {
        "lines": lines,
        "count": sum(line["quantity"] for line in lines),
        "selected_count": sum(line["quantity"] for line in chosen),
        **quote_figures(quote),
        "has_issues": any(line["issue"] for line in lines),
        "address": address,
        "price_changes": [line for line in chosen if line["price_changed"]],
    }


def quote_figures(quote: Quote) -> dict:
    """What the cart, checkout and the API show of a quote."""
    gap = next((h["gap"] for h in quote.hints if h["kind"] == "free_shipping_gap"), None)
    return {
        "quote": quote,
        "items_amount": quote.items_amount,
        "discounts": quote.discounts,
        "discount_amount": quote.discount_amount,
        "shipping_fee": quote.shipping_fee,
        # Each template's freight when the lines ship under more than one (or some are not
        # delivered): {name, fee, free, delivers}.
        "freight": [
            {"name": g.template.name, "fee": g.fee, "free": g.free, "delivers": g.delivers}
            for g in quote.freight
        ],
        # The lines not delivered to the address's region (checkout refuses them).
        "undeliverable": [quote.lines[i].sku_id for i in quote.undeliverable],
        "shipping_estimated": quote.address is None and quote.pickup is None,
        "pickup": quote.pickup,
        "local": quote.local,
        # "Add ¥X more for free shipping": what the selected items lack (0 once free).
        "free_shipping_gap": gap or Decimal("0.00"),
        "total": quote.total,
        "hints": [h for h in quote.hints if h["kind"] != "free_shipping_gap"],
        "coupons": quote.coupons,
        "coupon_chosen": quote.coupon_chosen,
        "points_offer": quote.points_offer,
    }


def _line(sku_id: int, entry: dict, sku: Sku | None) -> dict:
    quantity = entry["quantity"]
    if sku is None:
        return {
            "sku_id": sku_id,
            "quantity": quantity,
            "selected": entry["selected"],
            "issue": UNAVAILABLE,
            "name": "",
            "url": "",
            "image": None,
            "attributes": {},
            "attributes_label": "",
            "unit_price": None,
            "price_when_added": entry["price"],
            "price_changed": False,
            "stock": 0,
            "line_total": Decimal("0.00"),
            "discount": Decimal("0.00"),
            "net": Decimal("0.00"),
            "sale_unit_price": None,
            "sale_total": None,
        }
    product = sku.product
    if product.status != ProductStatus.ON_SALE or not sku.is_active:
        issue = OFF_SALE
    elif sku.stock == 0:
        issue = OUT_OF_STOCK
    elif sku.stock < quantity:
        issue = INSUFFICIENT_STOCK
    else:
        issue = None
    images = list(product.images.all())
    image = images[0] if images else None
    was = entry["price"]
    return {
        "sku_id": sku_id,
        "quantity": quantity,
        "selected": entry["selected"],
        "issue": issue,
        "name": product.name,
        "url": product.get_absolute_url(),
        "image": (image.thumbnail or image.image).url if image else None,
        "attributes": sku.ordered_attributes(),
        "attributes_label": sku.attributes_label,
        "unit_price": sku.price,
        "price_when_added": was,
        "price_changed": was is not None and was != sku.price,
        "stock": sku.stock,
        "line_total": sku.price * quantity,
        # Set by the engine for the lines being bought.
        "discount": Decimal("0.00"),
        "net": sku.price * quantity,
        "sale_unit_price": None,
        "sale_total": None,
    }
