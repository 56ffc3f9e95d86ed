"""Promotions: every change drops the price stages' cached rules at once."""

from __future__ import annotations

from django.core.cache import cache

from config.oncommit import after_commit
from marketing.selectors import RULES_VERSION_KEY


def promotions_changed() -> None:
    """A promotion (or its items, tiers, scope) changed: the next quote reads them afresh.
    Now, for reads in this transaction, and again after commit, so a quote that read the old
    rules meanwhile has not cached them under the version that stays."""

    def bump():
        if not cache.add(RULES_VERSION_KEY, 1, timeout=None):
            cache.incr(RULES_VERSION_KEY)

    bump()
    after_commit(bump)


def promotion_save(*, promotion, fields: list[str] | None = None) -> None:
    """Write a promotion from the merchant's form: a new one whole, an existing one only the
    fields the form changed; the stages read the rules afresh."""
    if promotion.pk is None or fields is None:
        promotion.save()
    elif fields:
        promotion.save(update_fields=fields)
    promotions_changed()


def promotions_stop(*, promotion_ids: list[int]) -> int:
    """Stop promotions now (their windows no longer matter); returns how many."""
    from marketing.models import Promotion

    stopped = Promotion.objects.filter(pk__in=promotion_ids, is_active=True).update(is_active=False)
    promotions_changed()
    return stopped
