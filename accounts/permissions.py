"""The "Merchants" group and the permissions it holds.

The group is created by a data migration; its permissions are (re)synced after every
``migrate``, so models that later issues add are covered as soon as they exist.
"""

from django.contrib.auth.models import Group, Permission

MERCHANTS_GROUP = "Merchants"

# app label -> "*" (every permission of every model) or {model: [actions]}
MERCHANT_PERMISSIONS: dict[str, str | dict[str, list[str]]] = {
    "accounts": {"user": ["view"], "address": ["view"]},
    "delivery": "*",
    "catalog": "*",
    "carts": "*",
    "orders": "*",
    "payments": "*",
    "seckill": "*",
    "marketing": "*",
    "reviews": "*",
}


def merchant_permissions_sync(**kwargs) -> None:
    """Give the Merchants group exactly the permissions listed above (idempotent)."""
    group, _ = Group.objects.get_or_create(name=MERCHANTS_GROUP)
    wanted = []
    for app_label, rule in MERCHANT_PERMISSIONS.items():
        perms = Permission.objects.filter(content_type__app_label=app_label)
        if rule == "*":
            wanted.extend(perms)
            continue
        for model, actions in rule.items():
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(perms.filter(content_type__model=model, codename__in=codenames))
    group.permissions.set(wanted)
