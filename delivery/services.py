"""Writes of delivery."""

from __future__ import annotations

from django.db import transaction

from delivery.models import ShippingTemplate
from delivery.selectors import templates_changed


@transaction.atomic
def template_make_default(*, template_id: int) -> None:
    """Make one template the default (the products naming none use it); the old default's
    flag is cleared first, in the same transaction, so the one-default constraint holds."""
    list(ShippingTemplate.objects.select_for_update().filter(is_default=True))
    ShippingTemplate.objects.filter(is_default=True).exclude(pk=template_id).update(
        is_default=False
    )
    ShippingTemplate.objects.filter(pk=template_id).update(is_default=True)
    templates_changed()
