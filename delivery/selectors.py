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


# --- pickup points and slots ------------------------------------------------------------------


def pickup_points_open():
    from delivery.models import PickupPoint

    return PickupPoint.objects.filter(is_active=True)


def distance_km(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine): a dozen points need no GIS."""
    import math

    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def pickup_points_near(*, region_code: str = "", lat=None, lng=None) -> list:
    """The open pickup points, nearest first: by distance from ``lat``/``lng`` (the
    browser's location, with consent) when given, else by the address's region (the same
    district, then city, then province, then the rest). Each gets ``distance`` (km or None)."""
    points = list(pickup_points_open())
    for point in points:
        point.distance = (
            round(distance_km(lat, lng, point.latitude, point.longitude), 1)
            if lat is not None and lng is not None and point.latitude is not None
            else None
        )
    if lat is not None and lng is not None:
        return sorted(points, key=lambda p: (p.distance is None, p.distance or 0, p.position))

    def closeness(point) -> int:
        for length, rank in ((6, 0), (4, 1), (2, 2)):
            if region_code and point.region_code[:length] == region_code[:length]:
                return rank
        return 3

    return sorted(points, key=lambda p: (closeness(p), p.position, p.pk))


def slot_dates(*, now=None) -> list:
    """The dates a slot may be chosen for: from tomorrow, or the day after when it is past
    the cut-off (DELIVERY_SLOT_CUTOFF in the shop's time zone), for DELIVERY_SLOT_DAYS days,
    days off left out."""
    import datetime

    from django.utils import timezone

    from delivery.models import DayOff

    local = timezone.localtime(now or timezone.now())
    first = local.date() + datetime.timedelta(days=1 if local.time() < slot_cutoff() else 2)
    days = [first + datetime.timedelta(days=i) for i in range(settings.DELIVERY_SLOT_DAYS)]
    off = set(DayOff.objects.filter(date__in=days).values_list("date", flat=True))
    return [d for d in days if d not in off]


def slot_cutoff():
    import datetime

    hours, minutes = (int(part) for part in settings.DELIVERY_SLOT_CUTOFF.split(":"))
    return datetime.time(hours, minutes)


def slots_offered(*, now=None, point=None) -> list[dict]:
    """Each date a slot may be chosen for with its slots and the places left:
    [{date, slots: [{id, label, left, full}]}]; a pickup ``point`` only on its open days."""
    from delivery.models import DeliverySlot, SlotDay

    slots = list(DeliverySlot.objects.filter(is_active=True))
    if not slots:
        return []
    dates = slot_dates(now=now)
    if point is not None:
        dates = [d for d in dates if d.weekday() in (point.open_days or [])]
    booked = {
        (row.slot_id, row.date): row
        for row in SlotDay.objects.filter(slot__in=slots, date__in=dates)
    }
    offered = []
    for day in dates:
        rows = []
        for slot in slots:
            row = booked.get((slot.pk, day))
            left = (row.capacity - row.booked) if row else slot.capacity
            rows.append(
                {"id": slot.pk, "label": slot.label, "left": max(left, 0), "full": left <= 0}
            )
        offered.append({"date": day, "slots": rows})
    return offered


def local_area_for(region_code: str):
    """The local delivery area an address's district lies in (its district's own, else its
    city's), None when the shop does not deliver there itself."""
    from accounts import regions
    from delivery.models import LocalArea

    if not region_code:
        return None
    places = [r.code for r in regions.lineage(region_code)[1:]]
    areas = {
        a.region_code: a for a in LocalArea.objects.filter(region_code__in=places, is_active=True)
    }
    return next((areas[code] for code in reversed(places) if code in areas), None)
