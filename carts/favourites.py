"""Favourites (收藏): add and remove (each once, however often tapped), a shopper's list
with today's lowest price against the price when added and the stock, a product's count.
Reads and writes of one small table; the product page and the API share them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, QuerySet, Sum

from carts.models import Favourite
from catalog.models import Product, ProductStatus


def _lowest_price(product_id: int):
    return (
        Product.objects.filter(pk=product_id)
        .aggregate(p=Min("skus__price", filter=Q(skus__is_active=True)))
        .get("p")
    )


def favourite_add(*, user, product_id: int) -> Favourite:
    """Keep a product on sale for later (a second tap finds the first)."""
    if not Product.objects.filter(pk=product_id, status=ProductStatus.ON_SALE).exists():
        from catalog.errors import ProductNotFound

        raise ProductNotFound()
    try:
        with transaction.atomic():
            return Favourite.objects.create(
                user=user, product_id=product_id, price_then=_lowest_price(product_id)
            )
    except IntegrityError:
        return Favourite.objects.get(user=user, product_id=product_id)


def favourite_remove(*, user, product_id: int) -> bool:
    return bool(Favourite.objects.filter(user=user, product_id=product_id).delete()[0])


def favourite_state(*, user, product_id: int) -> tuple[int, bool]:
    """(how many keep the product, whether ``user`` does): one indexed query."""
    mine = Q(user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    found = Favourite.objects.filter(product_id=product_id).aggregate(
        n=Count("pk"), mine=Count("pk", filter=mine)
    )
    return found["n"], bool(found["mine"])


def favourite_count(*, product_id: int) -> int:
    return Favourite.objects.filter(product_id=product_id).count()


def favourites_of(*, user) -> QuerySet[Favourite]:
    """The shopper's favourites, newest first, each with ``price_now`` (the lowest active
    SKU's) and ``stock`` (of its active SKUs); products off sale are listed as such."""
    return (
        Favourite.objects.filter(user=user)
        .select_related("product")
        .annotate(
            price_now=Min("product__skus__price", filter=Q(product__skus__is_active=True)),
            stock=Sum("product__skus__stock", filter=Q(product__skus__is_active=True)),
        )
    )
