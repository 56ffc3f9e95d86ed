"""Demo users: a shopper, a merchant and an administrator (idempotent)."""

from django.contrib.auth.models import Group

from accounts import regions
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
    # Shanghai, the default, and Urumqi far away, where shipping costs more (the delivery
    # demo's rules); each once, by its district.
    for code, street, postal_code in (
        ("310115", "世纪大道 100 号", "200120"),
        ("650102", "解放北路 1 号", "830000"),
    ):
        if Address.objects.filter(user=shopper, region_code=code).exists():
            continue
        province, city, district = (r.name for r in regions.lineage(code))
        Address.objects.create(
            user=shopper,
            receiver="张三",
            phone="13800000001",
            province=province,
            city=city,
            district=district,
            region_code=code,
            detail=street,
            postal_code=postal_code,
            is_default=not Address.objects.filter(user=shopper).exists(),
        )
