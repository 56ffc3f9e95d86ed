"""Reviews on real PostgreSQL: only the buyer after receipt, once per line (a double
submit makes one), moderation, one reply and one follow-up, and the product's summary exact
through adds, hides, deletes and a burst from real threads."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import ProductRating
from config.testing import run_concurrently, run_together
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order
from reviews.errors import (
    FollowUpNotAllowed,
    ReplyExists,
    ReviewExists,
    ReviewLineNotFound,
    ReviewNotYet,
)
from reviews.models import ModerationWord, Review
from reviews.services import (
    review_create,
    review_delete,
    review_follow_up,
    review_reply,
    review_set_status,
    reviews_give_default,
)

pytestmark = pytest.mark.django_db(transaction=True)


def received(user, **kwargs) -> Order:
    order = place_order(user, **kwargs)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )
    return Order.objects.get(pk=order.pk)


def summary(product_id):
    r = ProductRating.objects.filter(product_id=product_id).first()
    return (r.count, r.total, r.good, r.medium, r.bad, r.with_photos) if r else (0,) * 6


def test_only_the_buyer_after_receipt_once_per_line(buyer, png_bytes):
    order = place_order(buyer)
    item = order.items.get()
    with pytest.raises(ReviewNotYet):
        review_create(user=buyer, order_item_id=item.pk, rating=5)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )
    with pytest.raises(ReviewLineNotFound):  # someone else's line: not found
        review_create(user=UserFactory(), order_item_id=item.pk, rating=5)
    photo = SimpleUploadedFile("me.png", png_bytes, content_type="image/png")
    review = review_create(user=buyer, order_item_id=item.pk, rating=4, text="好", photos=[photo])
    assert review.photos.get().image.name.startswith("reviews/")
    assert "me.png" not in review.photos.get().image.name
    with pytest.raises(ReviewExists):
        review_create(user=buyer, order_item_id=item.pk, rating=1)
    assert summary(item.product_id) == (1, 4, 1, 0, 0, 1)


@pytest.mark.parametrize("rating", [0, 6, "²", "4.5", "", None])
def test_ratings_outside_one_to_five_are_refused(buyer, rating):
    item = received(buyer).items.get()
    with pytest.raises(ValidationError):
        review_create(user=buyer, order_item_id=item.pk, rating=rating)
    assert not Review.objects.exists()


def test_a_double_submit_at_once_makes_one_review(buyer):
    item = received(buyer).items.get()
    outcomes = run_concurrently(
        lambda: review_create(user=buyer, order_item_id=item.pk, rating=5, text="很好"), 6
    )
    assert sum(isinstance(o, Review) for o in outcomes) == 1
    assert all(isinstance(o, (Review, ReviewExists)) for o in outcomes)
    assert summary(item.product_id) == (1, 5, 1, 0, 0, 0)


def test_the_summary_stays_exact_through_hide_show_delete_and_a_burst():
    from catalog.tests.factories import make_product

    product = make_product(skus=[{"stock": 500, "attributes": {"colour": "red"}}])
    sku = product.skus.get()
    buyers = [UserFactory() for _ in range(12)]
    items = [received(b, sku=sku).items.get() for b in buyers]
    ratings = [5, 4, 3, 2, 1, 5, 5, 4, 3, 1, 2, 5]
    # A burst: every buyer reviews at the same moment.
    targets = [
        (lambda b=b, it=it, r=r: review_create(user=b, order_item_id=it.pk, rating=r))
        for b, it, r in zip(buyers, items, ratings, strict=True)
    ]
    made = run_together(*targets)
    assert all(isinstance(m, Review) for m in made)
    expected = (12, sum(ratings), 6, 2, 4, 0)
    assert summary(product.pk) == expected
    hide = made[0]  # a 5
    assert review_set_status(review_id=hide.pk, status="hidden")
    assert review_set_status(review_id=hide.pk, status="hidden") is False  # once
    assert summary(product.pk) == (11, sum(ratings) - 5, 5, 2, 4, 0)
    assert review_set_status(review_id=hide.pk, status="visible")
    assert summary(product.pk) == expected
    review_delete(review_id=made[2].pk)  # a 3
    assert summary(product.pk) == (11, sum(ratings) - 3, 6, 1, 4, 0)
    # Hides and shows racing each other leave the counts matching the rows.
    run_together(
        *[lambda m=m: review_set_status(review_id=m.pk, status="hidden") for m in made[3:]],
        *[lambda m=m: review_set_status(review_id=m.pk, status="visible") for m in made[3:]],
    )
    visible = Review.objects.filter(product=product, status="visible")
    assert summary(product.pk)[:2] == (visible.count(), sum(r.rating for r in visible))


def test_listed_words_hold_a_review_for_moderation(buyer):
    ModerationWord.objects.create(word="垃圾")
    item = received(buyer).items.get()
    review = review_create(user=buyer, order_item_id=item.pk, rating=1, text="简直是垃圾")
    assert review.status == "pending"
    assert summary(item.product_id) == (0,) * 6
    review_set_status(review_id=review.pk, status="visible")
    assert summary(item.product_id) == (1, 1, 0, 0, 1, 0)


def test_one_reply_and_one_follow_up_within_the_window(buyer, settings):
    item = received(buyer).items.get()
    review = review_create(user=buyer, order_item_id=item.pk, rating=5, text="好")
    review_reply(review_id=review.pk, text="谢谢支持")
    with pytest.raises(ReplyExists):
        review_reply(review_id=review.pk, text="again")
    outcomes = run_concurrently(
        lambda: review_follow_up(user=buyer, review_id=review.pk, text="用了一个月，还不错"), 4
    )
    assert sum(isinstance(o, Review) for o in outcomes) == 1
    assert Review.objects.get(pk=review.pk).follow_up == "用了一个月，还不错"
    other = received(buyer).items.get()
    late = review_create(user=buyer, order_item_id=other.pk, rating=4)
    Order.objects.filter(pk=other.order_id).update(
        completed_at=timezone.now() - timedelta(days=settings.REVIEW_FOLLOW_UP_DAYS + 1)
    )
    with pytest.raises(FollowUpNotAllowed):
        review_follow_up(user=buyer, review_id=late.pk, text="迟到的追评")


def test_lines_not_reviewed_in_time_get_the_default_rating(buyer, settings):
    item = received(buyer).items.get()
    assert reviews_give_default() == 0
    Order.objects.filter(pk=item.order_id).update(
        completed_at=timezone.now() - timedelta(days=settings.REVIEW_DEFAULT_DAYS + 1)
    )
    assert reviews_give_default() == 1
    review = Review.objects.get()
    assert (review.rating, review.is_default, review.text) == (5, True, "")
    assert reviews_give_default() == 0
