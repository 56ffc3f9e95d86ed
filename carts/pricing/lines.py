"""A SKU as a line to price."""

from __future__ import annotations

from decimal import Decimal

from carts.pricing.engine import PriceLine


def price_line(
    sku, quantity: int, *, unit_price: Decimal | None = None, stock_source: str = ""
) -> PriceLine:
    """The SKU (with its product and category read) at ``unit_price`` (None: its own price).
    A line from a stock source other than the SKU (a flash sale) sells at that source's price
    and takes no further discount."""
    product = sku.product
    return PriceLine(
        sku_id=sku.pk,
        product_id=product.pk,
        category_path=product.category.path if product.category_id else "",
        quantity=quantity,
        unit_price=sku.price if unit_price is None else unit_price,
        list_price=sku.price,
        discountable=not stock_source,
        stock_source=stock_source,
        shipping_template_id=product.shipping_template_id,
        weight=sku.weight,
    )
