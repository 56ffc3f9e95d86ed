"""Reviews (评价) of order lines: by the buyer only, after receipt, one per line (a
database constraint), with photos, an optional follow-up (追评) and one reply from the
merchant. Only visible reviews count in the product's summary (catalog.ProductRating),
changed in the same transaction as the review's status."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    PENDING = "pending", _("Awaiting moderation")
    HIDDEN = "hidden", _("Hidden")


class Review(models.Model):
    order_item = models.OneToOneField(
        "orders.OrderItem",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="review",
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    options = models.CharField(_("options"), max_length=300, blank=True, default="")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("text"), max_length=500, blank=True, default="")
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Given by the shop to an order not reviewed in time (REVIEW_DEFAULT_DAYS), shown so.
    is_default = models.BooleanField(_("default rating"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.VISIBLE
    )
    photo_count = models.PositiveSmallIntegerField(_("photos"), default=0)
    follow_up = models.TextField(_("follow-up"), max_length=500, blank=True, default="")
    follow_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    reply = models.TextField(_("merchant's reply"), max_length=500, blank=True, default="")
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="reviews_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(photo_count__lte=6), name="reviews_at_most_6_photos"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "status", "-created_at"], name="reviews_product"),
        ]

    def __str__(self):
        return f"{self.product} ★{self.rating}"

    @property
    def author(self) -> str:
        from accounts.selectors import masked_name

        name = self.user.display_name
        return masked_name(name) if self.anonymous else name


def review_photo_path(instance, filename: str) -> str:
    """A random name (128 bits), never the shopper's file name; the extension stays."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"reviews/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=review_photo_path)
    follow_up = models.BooleanField(_("with the follow-up"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name


class ModerationWord(models.Model):
    """A word the merchant lists: a review with it waits for moderation before it shows."""

    word = models.CharField(_("word"), max_length=50, unique=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("moderation word")
        verbose_name_plural = _("moderation words")

    def __str__(self):
        return self.word
