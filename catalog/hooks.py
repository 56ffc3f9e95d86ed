"""What the catalog shows of the apps above it, without importing them: the offers on a
product (marketing: a limited-time price, the promotions it counts toward, the coupons that
apply to it).

Product cards and pages are cached fragments (catalog.fragments), so the provider also
gives an *epoch*: a string that changes whenever what it would answer changes (a merchant's
edit, or a promotion's start or end passing). It is part of every catalog cache key, so a
sale price shows from its first second and is gone at its last, whatever the caches hold.
"""

from __future__ import annotations

from collections.abc import Callable

_offers: list[tuple[Callable[..., dict], Callable[[], str], Callable[[], bool]]] = []


def register_offers(
    provider: Callable[..., dict], epoch: Callable[[], str], active: Callable[[], bool]
) -> None:
    """``provider(products=[{"id", "category_path", "skus": [{"id", "price"}]}])`` returns
    {product id: offer} (see ``product_offers``); ``epoch()`` the string described above;
    ``active()`` whether any offer runs now (when none does, the catalog reads no SKUs)."""
    if (provider, epoch, active) not in _offers:
        _offers.append((provider, epoch, active))


def offers_active() -> bool:
    return any(active() for _provider, _epoch, active in _offers)


def offers_epoch() -> str:
    return "|".join(epoch() for _provider, epoch, _active in _offers)


def product_offers(*, products: list[dict]) -> dict[int, dict]:
    """{product id: {"skus": {sku id: sale price}, "ends_at": datetime | None, "tags":
    [text], "coupons": [{"id", "name", "terms"}]}} for the products that have any."""
    found: dict[int, dict] = {}
    for provider, _epoch, _active in _offers:
        for product_id, offer in provider(products=products).items():
            found.setdefault(product_id, offer)
    return found


_sale_floors: list[Callable[[], dict]] = []


def register_sale_floors(floors: Callable[[], dict]) -> None:
    """``floors()`` returns {product id: the lowest price a SKU of it sells at now} for the
    products on a limited-time price: what a card shows, so that sorting and filtering a
    list by price read the same figure."""
    if floors not in _sale_floors:
        _sale_floors.append(floors)


def sale_floors() -> dict:
    found: dict = {}
    for floors in _sale_floors:
        for product_id, price in floors().items():
            found[product_id] = min(price, found.get(product_id, price))
    return found


_extras: list[Callable[..., dict]] = []


def register_product_extras(provider: Callable[..., dict]) -> None:
    """``provider(user=, product=)`` returns what a product page shows this shopper beyond
    the cached page (their member price, the points the item earns them): a dict for
    ``catalog/_product_extras.html``."""
    if provider not in _extras:
        _extras.append(provider)


def product_extras(*, user, product: dict) -> dict:
    found: dict = {"blocks": [], "below": []}
    for provider in _extras:
        extras = provider(user=user, product=product)
        # HTML a provider rendered itself (render_to_string: safe), in turn: ``blocks`` in
        # the buy column, ``below`` under the product.
        found["blocks"] += extras.pop("blocks", [])
        found["below"] += extras.pop("below", [])
        found |= extras
    return found
