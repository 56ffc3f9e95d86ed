from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import services
from accounts.errors import AddressLimitReached
from accounts.models import Address, User
from accounts.permissions import MERCHANTS_GROUP
from accounts.tasks import flush_expired_tokens_task
from accounts.tests.factories import AddressFactory, UserFactory
from config.testing import run_concurrently


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_keeps_changed_passwords():
    call_command("seed_demo")
    merchant = User.objects.get(username="merchant")
    merchant.set_password("Changed-By-Owner-1")
    merchant.save()
    call_command("seed_demo")
    assert User.objects.filter(username__in=["shopper", "merchant", "admin"]).count() == 3
    assert Address.objects.filter(user__username="shopper").count() == 2  # Shanghai, Urumqi
    merchant.refresh_from_db()
    assert merchant.check_password("Changed-By-Owner-1")
    assert merchant.is_staff and not merchant.is_superuser
    assert list(merchant.groups.values_list("name", flat=True)) == [MERCHANTS_GROUP]


@pytest.mark.django_db
def test_merchants_group_views_customers_and_manages_shop_models():
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=MERCHANTS_GROUP)
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {p for p in granted if p[0] == "accounts"} == {
        ("accounts", "view_user"),
        ("accounts", "view_address"),
    }
    # Every permission of the shop apps' models, as those models arrive.
    shop_apps = [
        "delivery",
        "catalog",
        "carts",
        "orders",
        "payments",
        "seckill",
        "marketing",
        "reviews",
    ]
    expected = set(
        Permission.objects.filter(content_type__app_label__in=shop_apps).values_list(
            "content_type__app_label", "codename"
        )
    )
    assert ("catalog", "change_product") in expected
    assert {p for p in granted if p[0] != "accounts"} == expected


@pytest.mark.django_db
def test_email_uniqueness_is_enforced_by_the_database_too():
    UserFactory(email="dup@example.com")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="sneaky", email="DUP@example.com")


@pytest.mark.django_db
def test_only_one_default_address_per_user_in_the_database():
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=user, is_default=True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_address_creates_never_pass_the_limit(settings):
    settings.ADDRESS_LIMIT_PER_USER = 5
    user = UserFactory()
    AddressFactory.create_batch(3, user=user)
    data = {
        "receiver": "并发",
        "phone": "13000000000",
        "region_code": "310115",
        "detail": "x",
    }
    outcomes = run_concurrently(lambda: services.address_create(user=user, data=data), 6)
    labels = sorted("limit" if isinstance(o, AddressLimitReached) else "ok" for o in outcomes)
    assert labels == ["limit"] * 4 + ["ok"] * 2
    assert Address.objects.filter(user=user).count() == 5


@pytest.mark.django_db
def test_user_disable_revokes_tokens():
    user = UserFactory()
    services.user_tokens_issue(user=user)
    services.user_tokens_issue(user=user)
    services.user_disable(user=user)
    user.refresh_from_db()
    assert user.is_active is False
    assert OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count() == 0


@pytest.mark.django_db
def test_flush_expired_tokens_task_removes_only_expired_tokens():
    user = UserFactory()
    services.user_tokens_issue(user=user)
    services.user_tokens_issue(user=user)
    OutstandingToken.objects.filter(pk=OutstandingToken.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    flush_expired_tokens_task.delay()
    assert OutstandingToken.objects.filter(user=user).count() == 1


def test_a_profile_edit_never_writes_back_a_stale_last_login(db):
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import user_record_login, user_update_profile
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    stale = User.objects.get(pk=user.pk)
    user_record_login(user=user)  # a login from another device meanwhile
    user_update_profile(user=stale, data={"nickname": "新昵称"})
    user.refresh_from_db()
    assert user.nickname == "新昵称"
    assert user.last_login is not None and user.last_login <= timezone.now()
