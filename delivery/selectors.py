"""Reads of delivery: the shipping templates as the price engine uses them, cached until a
template or rule changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from config.oncommit import after_commit
from delivery.freight import PIECE, Charge, RegionRule, Table, Template
from delivery.models import ShippingTemplate

VERSION_KEY = "delivery:templates:version"
# Changes with the shape of what is cached, so a new release never reads the old one.
LAYOUT = 1
CACHE_SECONDS = 300


def templates_changed() -> None:
    """A template or rule changed: quotes read them afresh (now, and again after commit so a
    quote that read the old ones meanwhile has not cached them under the version that
    stays)."""

    def bump():
        if not cache.add(VERSION_KEY, 1, timeout=None):
            cache.incr(VERSION_KEY)

    bump()
    after_commit(bump)


def _charge(row) -> Charge:
    return Charge(
        first_units=row.first_units,
        first_fee=row.first_fee,
        extra_units=row.extra_units,
        extra_fee=row.extra_fee,
        free_over_amount=row.free_over_amount,
        free_over_pieces=row.free_over_pieces,
    )


def settings_template() -> Template:
    """The flat fee of the settings as a template: what the default template is made of by
    its migration, and what applies should the table hold none (a flushed database)."""
    return Template(
        id=0,
        name="",
        charge_by=PIECE,
        charge=Charge(
            first_units=Decimal("1"),
            first_fee=settings.ORDER_SHIPPING_FEE,
            extra_units=Decimal("1"),
            extra_fee=Decimal("0.00"),
            free_over_amount=settings.ORDER_FREE_SHIPPING_THRESHOLD,
        ),
    )


def _build() -> Table:
    templates = {}
    default = None
    for row in ShippingTemplate.objects.prefetch_related("rules"):
        template = Template(
            id=row.pk,
            name=row.name,
            charge_by=row.charge_by,
            charge=_charge(row),
            rules=tuple(
                RegionRule(
                    codes=frozenset(rule.regions), delivers=rule.delivers, charge=_charge(rule)
                )
                for rule in row.rules.all()
            ),
        )
        templates[row.pk] = template
        if row.is_default:
            default = template
    return Table(templates=templates, default=default or settings_template())


def shipping_table() -> Table:
    key = f"delivery:templates:{LAYOUT}:{cache.get(VERSION_KEY, 0)}"
    table = cache.get(key)
    if table is None:
        table = _build()
        cache.set(key, table, CACHE_SECONDS)
    return table
