"""Demo users: a shopper, a merchant and an administrator (idempotent)."""

from django.contrib.auth.models import Group

from accounts.models import Address, User
from accounts.permissions import MERCHANTS_GROUP, merchant_permissions_sync

DEMO_USERS = [
    # username, password, flags, profile
    (
        "shopper",
        "shopper123",
        {},
        {"nickname": "小李", "email": "shopper@example.com", "phone": "13800000001"},
    ),
    (
        "merchant",
        "merchant123",
        {"is_staff": True},
        {"nickname": "王店长", "email": "merchant@example.com", "phone": "13800000002"},
    ),
    (
        "admin",
        "admin123",
        {"is_staff": True, "is_superuser": True},
        {"nickname": "管理员", "email": "admin@example.com"},
    ),
]

DEMO_LOGINS = [(username, password) for username, password, _, _ in DEMO_USERS]


def seed(stdout) -> None:
    merchant_permissions_sync()
    merchants = Group.objects.get(name=MERCHANTS_GROUP)
    for username, password, flags, profile in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={**flags, **profile})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        if flags.get("is_staff") and not flags.get("is_superuser"):
            user.groups.add(merchants)
        stdout.write(f"{'created' if created else 'kept'} user {username}")

    shopper = User.objects.get(username="shopper")
    if not Address.objects.filter(user=shopper).exists():
        Address.objects.create(
            user=shopper,
            receiver="张三",
            phone="13800000001",
            province="上海市",
            city="上海市",
            district="浦东新区",
            region_code="310115",
            detail="世纪大道 100 号",
            postal_code="200120",
            is_default=True,
        )
