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
    # Two more shoppers, to open and join a group buy (拼团) with the first.
    (
        "shopper2",
        "shopper123",
        {},
        {"nickname": "小王", "email": "shopper2@example.com", "phone": "13800000003"},
    ),
    (
        "shopper3",
        "shopper123",
        {},
        {"nickname": "小张", "email": "shopper3@example.com", "phone": "13800000004"},
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
    # demo's rules); each once, by its district. The other shoppers live in Shanghai.
    homes = [
        (shopper, "张三", "13800000001", "310115", "世纪大道 100 号", "200120"),
        (shopper, "张三", "13800000001", "650102", "解放北路 1 号", "830000"),
        *(
            (User.objects.get(username=name), receiver, phone, "310104", street, "200030")
            for name, receiver, phone, street in (
                ("shopper2", "王五", "13800000003", "漕溪北路 8 号"),
                ("shopper3", "赵六", "13800000004", "天钥桥路 30 号"),
            )
        ),
    ]
    for user, receiver, phone, code, street, postal_code in homes:
        if Address.objects.filter(user=user, region_code=code).exists():
            continue
        province, city, district = (r.name for r in regions.lineage(code))
        Address.objects.create(
            user=user,
            receiver=receiver,
            phone=phone,
            province=province,
            city=city,
            district=district,
            region_code=code,
            detail=street,
            postal_code=postal_code,
            is_default=not Address.objects.filter(user=user).exists(),
        )
