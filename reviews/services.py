"""Review writes: a buyer reviews a received order line (once: the line is unique), follows
it up once within REVIEW_FOLLOW_UP_DAYS, the merchant replies once, hides, shows or deletes;
the beat gives a default positive rating to lines not reviewed within REVIEW_DEFAULT_DAYS of
completion. The product's summary changes in the same transaction, by conditional
UPDATEs (catalog.services.product_rating_change)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.services import image_validate, product_rating_change, product_rating_photos_added
from orders.models import OrderItem, OrderStatus
from reviews.errors import (
    FollowUpNotAllowed,
    ReplyExists,
    ReviewExists,
    ReviewLineNotFound,
    ReviewNotFound,
    ReviewNotYet,
)
from reviews.models import ModerationWord, Review, ReviewPhoto, ReviewStatus

S = ReviewStatus
MAX_PHOTOS = 6
MAX_TEXT = 500
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def _text(value, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError({field: [_("At most %(n)d characters.") % {"n": MAX_TEXT}]})
    return text


def _rating(value) -> int:
    raw = str(value).strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 5:
        raise ValidationError({"rating": [_("Give 1 to 5 stars.")]})
    return int(raw)


def _photos(photos, *, already: int = 0) -> list:
    photos = list(photos or [])
    if len(photos) + already > MAX_PHOTOS:
        raise ValidationError({"photos": [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    for photo in photos:
        try:
            image_validate(photo, limit=settings.REVIEW_PHOTO_MAX_BYTES, formats=PHOTO_FORMATS)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc
    return photos


def _held_back(*texts: str) -> bool:
    """Whether a text holds a word the merchant lists (case does not matter)."""
    words = [w.lower() for w in ModerationWord.objects.values_list("word", flat=True)]
    lowered = " ".join(texts).lower()
    return any(word and word in lowered for word in words)


def _count(review: Review, sign: int) -> None:
    product_rating_change(
        product_id=review.product_id,
        rating=review.rating,
        photos=review.photo_count > 0,
        sign=sign,
    )


def review_create(
    *,
    user,
    order_item_id: int,
    rating,
    text: str = "",
    anonymous: bool = False,
    photos=(),
    is_default: bool = False,
) -> Review:
    """The buyer's review of a line of a received order: once per line (the database holds
    it; a double submit gets ReviewExists); held for moderation when it holds a listed word."""
    item = (
        OrderItem.objects.select_related("order").filter(pk=order_item_id, order__user=user).first()
    )
    if item is None or item.product_id is None:
        raise ReviewLineNotFound()
    if item.order.status != OrderStatus.COMPLETED:
        raise ReviewNotYet()
    rating, text, photos = _rating(rating), _text(text, "text"), _photos(photos)
    status = S.PENDING if text and _held_back(text) else S.VISIBLE
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order_item=item,
                order=item.order,
                user=user,
                product_id=item.product_id,
                options=item.sku_options,
                rating=rating,
                text=text,
                anonymous=bool(anonymous),
                is_default=is_default,
                status=status,
                photo_count=len(photos),
            )
            for photo in photos:
                ReviewPhoto.objects.create(review=review, image=photo)
            if status == S.VISIBLE:
                _count(review, +1)
    except IntegrityError as exc:
        raise ReviewExists() from exc
    return review


def review_follow_up(*, user, review_id: int, text: str, photos=()) -> Review:
    """One follow-up (追评) by the review's author within REVIEW_FOLLOW_UP_DAYS of the order's
    completion; a conditional UPDATE, so two at once make one."""
    review = Review.objects.select_related("order").filter(pk=review_id, user=user).first()
    if review is None:
        raise ReviewNotFound()
    text = _text(text, "text")
    if not text:
        raise ValidationError({"text": [_("Write your follow-up.")]})
    completed = review.order.completed_at or review.created_at
    if timezone.now() > completed + timedelta(days=settings.REVIEW_FOLLOW_UP_DAYS):
        raise FollowUpNotAllowed()
    photos = _photos(photos, already=review.photo_count)
    with transaction.atomic():
        changes = {"follow_up": text, "follow_up_at": timezone.now()}
        held = review.status == S.VISIBLE and _held_back(text)
        if not Review.objects.filter(pk=review.pk, follow_up_at=None).update(**changes):
            raise FollowUpNotAllowed()
        for photo in photos:
            ReviewPhoto.objects.create(review=review, image=photo, follow_up=True)
        if photos:
            _photos_added(review, len(photos))
        if held:
            review_set_status(review_id=review.pk, status=S.PENDING)
    return Review.objects.get(pk=review.pk)


def _photos_added(review: Review, n: int) -> None:
    """More photos: a visible review without any until now starts counting as one with
    photos (the summary's filter)."""
    Review.objects.filter(pk=review.pk).update(photo_count=F("photo_count") + n)
    if review.status == S.VISIBLE and review.photo_count == 0:
        product_rating_photos_added(product_id=review.product_id)


def review_reply(*, review_id: int, text: str) -> Review:
    """The merchant's one reply (a conditional UPDATE: a second is refused)."""
    text = _text(text, "reply")
    if not text:
        raise ValidationError({"reply": [_("Write the reply.")]})
    if not Review.objects.filter(pk=review_id, replied_at=None).update(
        reply=text, replied_at=timezone.now()
    ):
        if not Review.objects.filter(pk=review_id).exists():
            raise ReviewNotFound()
        raise ReplyExists()
    return Review.objects.get(pk=review_id)


@transaction.atomic
def review_set_status(*, review_id: int, status: str) -> bool:
    """Show, hide or hold a review; the summary follows in the same transaction (only
    visible ones count). True if this call changed it."""
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or status not in S.values or review.status == status:
        return False
    Review.objects.filter(pk=review.pk).update(status=status)
    if review.status == S.VISIBLE:
        _count(review, -1)
    elif status == S.VISIBLE:
        _count(review, +1)
    return True


@transaction.atomic
def review_delete(*, review_id: int) -> bool:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        return False
    if review.status == S.VISIBLE:
        _count(review, -1)
    review.delete()
    return True


def reviews_give_default(*, now=None, limit: int = 500) -> int:
    """Beat: lines of orders completed more than REVIEW_DEFAULT_DAYS ago with no review get
    a five-star review marked as the shop's default. Returns how many."""
    now = now or timezone.now()
    due = OrderItem.objects.filter(
        order__status=OrderStatus.COMPLETED,
        order__completed_at__lte=now - timedelta(days=settings.REVIEW_DEFAULT_DAYS),
        review__isnull=True,
        product__isnull=False,
    ).select_related("order__user")
    given = 0
    for item in list(due.order_by("pk")[:limit]):
        try:
            review_create(
                user=item.order.user,
                order_item_id=item.pk,
                rating=5,
                text="",
                is_default=True,
            )
            given += 1
        except ReviewExists:
            continue  # reviewed meanwhile
    return given
