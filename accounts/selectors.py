from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Address, User


def user_get_by_identifier(*, identifier: str) -> User | None:
    """The user whose username, email (any case) or phone is ``identifier``, if any."""
    identifier = identifier.strip()
    if not identifier:
        return None
    query = Q(username__iexact=identifier)
    if "@" in identifier:
        query |= Q(email__iexact=identifier)
    else:
        query |= Q(phone=identifier)
    # Username matches win over email/phone matches of other users (older accounts may
    # still hold such a clash; new ones cannot).
    lowered = identifier.lower()
    users = sorted(User.objects.filter(query)[:3], key=lambda u: u.username.lower() != lowered)
    return users[0] if users else None


def address_list_for_user(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get_for_user(*, user: User, pk) -> Address:
    """The user's own address; anyone else's is a 404."""
    return get_object_or_404(Address, user=user, pk=pk)


def address_default_for(*, user) -> Address | None:
    """The shopper's default address if its region is known (what the cart estimates
    shipping for); None for a visitor, or without one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Address.objects.filter(user=user, is_default=True).exclude(region_code="").first()


def masked_name(name: str) -> str:
    """A name as others see it beside a group or a review: its first and last character
    (张三丰 → 张*丰, 李四 → 李*, a → a*)."""
    name = (name or "").strip()
    if len(name) <= 2:
        return (name[:1] or "*") + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]
