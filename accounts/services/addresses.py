"""The shopper's address book: at most ADDRESS_LIMIT_PER_USER addresses, one default, each in
a district of the national divisions (``accounts.regions``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import regions
from accounts.errors import AddressLimitReached
from accounts.models import ADDRESS_EDITABLE_FIELDS, Address, User
from accounts.services.users import _normalize_phone

PLACE_FIELDS = ("region_code", "province", "city", "district")


def _lock_address_book(user_id: int) -> None:
    """Every write to a user's address book first locks the user's row, so writes of one
    book run one after another (the one-default constraint is never raced)."""
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


def _place(address: Address, data: dict, *, required: bool) -> bool:
    """Put the address in the district ``data`` names: by its code (the form, the API), or
    by the three names (an API client that sends names only); the names saved are the
    table's. False when ``data`` names no place and none is ``required``."""
    code = data.get("region_code")
    if code:
        found = regions.district(code)
    elif any(data.get(f) for f in PLACE_FIELDS[1:]):
        found = regions.match(data.get("province"), data.get("city"), data.get("district"))
    elif required:
        found = None
    else:
        return False
    if found is None:
        raise ValidationError({"region_code": [_("Choose a province, a city and a district.")]})
    province, city, district = (r.name for r in regions.lineage(found.code))
    address.region_code = found.code
    address.province, address.city, address.district = province, city, district
    return True


def _clean_address(address: Address) -> None:
    address.phone = _normalize_phone(address.phone)
    address.full_clean(exclude=["user", "is_default"])


@transaction.atomic
def address_create(*, user: User, data: dict) -> Address:
    """Add an address (at most ADDRESS_LIMIT_PER_USER); the first one becomes the default."""
    # Two concurrent creates must not both pass the limit check.
    _lock_address_book(user.pk)
    limit = settings.ADDRESS_LIMIT_PER_USER
    existing = Address.objects.filter(user=user).count()
    if existing >= limit:
        raise AddressLimitReached(AddressLimitReached.default_message % {"limit": limit})
    fields = {k: v for k, v in data.items() if k in ADDRESS_EDITABLE_FIELDS}
    address = Address(user=user, **{k: v for k, v in fields.items() if k not in PLACE_FIELDS})
    _place(address, data, required=True)
    _clean_address(address)
    if existing == 0:
        address.is_default = True
    if address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    address.save()
    return address


@transaction.atomic
def address_update(*, address: Address, data: dict) -> Address:
    """Change an address; ``is_default=True`` makes it the default.

    Saves only the fields given: the default flag may have moved since ``address`` was
    read, and writing it back would break the one-default rule.
    """
    for field in ADDRESS_EDITABLE_FIELDS:
        if field in data and field not in PLACE_FIELDS:
            setattr(address, field, data[field])
    placed = _place(address, data, required=False)
    _clean_address(address)
    _lock_address_book(address.user_id)
    fields = [
        f
        for f in ADDRESS_EDITABLE_FIELDS
        if f in data and f != "is_default" and f not in PLACE_FIELDS
    ]
    if placed:
        fields += PLACE_FIELDS
    address.save(update_fields=[*fields, "updated_at"])
    if data.get("is_default"):
        address_set_default(address=address)
    else:
        address.is_default = Address.objects.filter(pk=address.pk, is_default=True).exists()
    return address


@transaction.atomic
def address_set_default(*, address: Address) -> Address:
    """Make this the user's only default address (concurrent calls queue on the lock)."""
    _lock_address_book(address.user_id)
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    Address.objects.filter(pk=address.pk).update(is_default=True, updated_at=timezone.now())
    address.refresh_from_db()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the most recent other one takes over."""
    user_id, was_default = address.user_id, address.is_default
    _lock_address_book(user_id)
    address.delete()
    if was_default:
        successor = Address.objects.filter(user_id=user_id).order_by("-updated_at", "-pk").first()
        if successor:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
