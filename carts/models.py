"""The cart lives in Redis (carts.services); what a shopper keeps for later is a row here.

Favourites (收藏): one per shopper and product (a database constraint), with the price the
product sold from when it was added, so the list can say what changed since."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Favourite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="favourites",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="favourites",
    )
    price_then = models.DecimalField(
        _("price when added"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="carts_favourite_once")
        ]

    def __str__(self):
        return f"{self.user_id}:{self.product_id}"
