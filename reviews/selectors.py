"""Review reads: a product's visible reviews with filters and its summary, the lines a
shopper has to review, a shopper's reviews."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from catalog.models import ProductRating
from orders.models import OrderItem, OrderStatus
from reviews.models import Review, ReviewPhoto, ReviewStatus

FILTERS = ("all", "photos", "good", "medium", "bad")


def product_reviews(*, product_id: int, filter: str = "all") -> QuerySet[Review]:  # noqa: A002
    """Visible reviews of a product, newest first, with their photos and authors."""
    reviews = Review.objects.filter(product_id=product_id, status=ReviewStatus.VISIBLE)
    if filter == "photos":
        reviews = reviews.filter(photo_count__gt=0)
    elif filter == "good":
        reviews = reviews.filter(rating__gte=4)
    elif filter == "medium":
        reviews = reviews.filter(rating=3)
    elif filter == "bad":
        reviews = reviews.filter(rating__lte=2)
    return reviews.select_related("user").prefetch_related(
        Prefetch("photos", queryset=ReviewPhoto.objects.order_by("pk"))
    )


def rating_summary(*, product_id: int) -> dict:
    """The product's summary as pages and the API show it."""
    rating = ProductRating.objects.filter(product_id=product_id).first()
    if rating is None or not rating.count:
        return {
            "count": 0,
            "average": None,
            "stars": 0,
            "good_percent": None,
            "counts": dict.fromkeys(FILTERS, 0),
        }
    return {
        "count": rating.count,
        "average": rating.average,
        "stars": int(rating.average.to_integral_value()),
        "good_percent": rating.good_percent,
        "counts": {
            "all": rating.count,
            "photos": rating.with_photos,
            "good": rating.good,
            "medium": rating.medium,
            "bad": rating.bad,
        },
    }


def lines_to_review(*, user) -> QuerySet[OrderItem]:
    """Lines of the shopper's received orders not reviewed yet (待评价), newest first."""
    reviewed = Review.objects.filter(order_item=OuterRef("pk"))
    return (
        OrderItem.objects.filter(order__user=user, order__status=OrderStatus.COMPLETED)
        .exclude(product=None)
        .exclude(Exists(reviewed))
        .select_related("order", "product")
        .order_by("-order__completed_at", "-pk")
    )


def reviews_of_user(*, user) -> QuerySet[Review]:
    return (
        Review.objects.filter(user=user)
        .select_related("product", "order")
        .prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("pk")))
    )


def review_get_for_user(*, user, review_id: int) -> Review | None:
    return reviews_of_user(user=user).filter(pk=review_id).first()
