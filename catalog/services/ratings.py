"""A product's review summary, kept in step by the reviews app (which catalog never
imports): every change is one conditional UPDATE of the counters, in the caller's
transaction, so a burst of reviews, hides and deletes leaves them exact."""

from __future__ import annotations

from django.db.models import F

from catalog.models import ProductRating


def _bucket(rating: int) -> str:
    return "good" if rating >= 4 else "medium" if rating == 3 else "bad"


def product_rating_change(*, product_id: int, rating: int, photos: bool, sign: int) -> None:
    """A visible review of ``rating`` (1–5) came (``sign`` 1) or went (-1)."""
    if sign not in (1, -1) or not 1 <= rating <= 5:
        raise ValueError("a review counts once, with a rating of 1 to 5")
    ProductRating.objects.bulk_create([ProductRating(product_id=product_id)], ignore_conflicts=True)
    changes = {
        "count": F("count") + sign,
        "total": F("total") + sign * rating,
        _bucket(rating): F(_bucket(rating)) + sign,
    }
    if photos:
        changes["with_photos"] = F("with_photos") + sign
    ProductRating.objects.filter(product_id=product_id).update(**changes)


def product_rating_photos_added(*, product_id: int) -> None:
    """A visible review that had no photos now has some (a follow-up's)."""
    ProductRating.objects.filter(product_id=product_id).update(with_photos=F("with_photos") + 1)
