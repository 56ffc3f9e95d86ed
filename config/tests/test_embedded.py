"""Embedded mode: no DATABASE_URL / REDIS_URL; SQLite, fakeredis, inline tasks."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        # As `make run` starts it: no services, and the shop's own default language (zh-hans).
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "SECRET_KEY",
            "CELERY_TASK_ALWAYS_EAGER",
            "LANGUAGE_CODE",
        }
    }
    env.update(
        DEBUG="true",
        SQLITE_PATH=str(tmp_path / "embedded.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


OVERDUE_ORDER = """
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from carts.keys import user_cart_key
from carts.services import cart_add, cart_clear
from catalog.models import Sku
from orders.models import Order
from orders.services import order_create_from_cart
user = User.objects.get(username="shopper")
cart_clear(key=user_cart_key(user.pk))
sku = Sku.objects.filter(stock__gt=0, is_active=True, product__status="on_sale").first()
cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
order, _ = order_create_from_cart(user=user, address_id=user.addresses.first().pk)
Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=5))
print(order.order_no)
"""


# Sums that floats get wrong: SQLite adds decimals as floats (299.00 - 58.92 is
# 240.07999999999998 there), and the order's check constraints must still hold.
FLOAT_SUMS = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from accounts.models import User
from orders.models import Order, OrderItem
user = User.objects.get(username="shopper")
order = Order.objects.create(
    order_no="20261204000000000299", user=user, items_amount=Decimal("299.00"),
    shipping_fee=Decimal("0.00"), discount_amount=Decimal("58.92"),
    total_amount=Decimal("240.08"), receiver_name="x", receiver_phone="13800000001",
    province="p", city="c", district="d", detail="x",
    pay_deadline=timezone.now() + timedelta(minutes=30),
)
OrderItem.objects.create(
    order=order, product_name="x", sku_code="x", unit_price=Decimal("299.00"), quantity=1,
    line_total=Decimal("299.00"), discount_amount=Decimal("58.92"), paid_amount=Decimal("240.08"),
)
print("saved")
"""


def _manage(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def test_embedded_mode_boots_and_serves_the_shop(embedded_env):
    _manage(embedded_env, "migrate", "--noinput")
    seeded = _manage(embedded_env, "seed_demo")
    first = seeded.stdout
    second = _manage(embedded_env, "seed_demo").stdout
    # Nothing at start-up that reads like a fault: kombu's "No hostname was supplied", or a
    # gate "rebuilt" (a first load is a load).
    assert " WARNING " not in seeded.stderr and "rebuilt" not in seeded.stderr, seeded.stderr
    assert "created user shopper" in first
    assert "kept user shopper" in second

    hottest = (
        _manage(
            embedded_env,
            "shell",
            "-c",
            "from catalog.models import Product; from django.utils import translation; "
            "translation.activate('zh-hans'); "
            "print(Product.objects.filter(is_hot=True, status='on_sale')"
            ".order_by('-sales_count').first().name)",
        )
        .stdout.strip()
        .splitlines()[-1]
    )  # shell may say first what it imported

    assert _manage(embedded_env, "shell", "-c", FLOAT_SUMS).stdout.strip().endswith("saved")

    # An unpaid order past its deadline: nothing but the in-process scheduler can close it.
    overdue = _manage(embedded_env, "shell", "-c", OVERDUE_ORDER).stdout.strip().splitlines()[-1]

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert home.status_code == 200
        assert "欢迎来到快买" in home.text  # Chinese out of the box
        assert "热卖商品" in home.text and hottest in home.text  # the demo catalog
        assert requests.get(base + "/static/css/site.css", timeout=5).status_code == 200
        assert requests.get(base + "/favicon.ico", timeout=5).status_code == 200
        # Search falls back to substring matching on SQLite, in either language.
        search = requests.get(base + "/search/", params={"q": "龙井"}, timeout=10)
        assert search.status_code == 200
        assert "茶香明前西湖龙井" in search.text
        english = requests.get(
            base + "/search/",
            params={"q": "longjing"},
            headers={"Accept-Language": "en"},
            timeout=10,
        )
        assert "Chaxiang Pre-Qingming West Lake Longjing" in english.text
        product = requests.get(
            base + "/product/chaxiang-pre-qingming-west-lake-longjing/", timeout=10
        )
        assert product.status_code == 200
        assert "有货" in product.text
        assert requests.get(base + "/category/electronics/", timeout=10).status_code == 200
        # DEBUG serves media as nginx does: product images, never a refund photo's path.
        media = Path(embedded_env["MEDIA_ROOT"])
        (media / "aftersales" / "2026" / "12").mkdir(parents=True)
        (media / "aftersales" / "2026" / "12" / "photo.jpg").write_bytes(b"private")
        (media / "products").mkdir(parents=True, exist_ok=True)
        (media / "products" / "public.jpg").write_bytes(b"public")
        assert requests.get(base + "/media/products/public.jpg", timeout=5).content == b"public"
        for private in (
            "/media/aftersales/2026/12/photo.jpg",
            "/media/products/../aftersales/2026/12/photo.jpg",
            "/media/products/%2e%2e/aftersales/2026/12/photo.jpg",
            "/media//aftersales/2026/12/photo.jpg",
        ):
            assert requests.get(base + private, timeout=5).status_code == 404, private
        ready = requests.get(base + "/readyz", timeout=5)
        assert ready.json() == {
            "status": "ok",
            "checks": {"database": "ok", "cache": "ok", "state": "ok", "broker": "ok"},
        }
        # Login goes through the lockout Lua script on fakeredis.
        bad = requests.post(
            base + "/api/v1/auth/token",
            json={"identifier": "shopper", "password": "wrong"},
            timeout=10,
        )
        assert bad.status_code == 401
        good = requests.post(
            base + "/api/v1/auth/token",
            json={"identifier": "shopper", "password": "shopper123"},
            timeout=10,
        )
        assert good.status_code == 200
        me = requests.get(
            base + "/api/v1/me",
            headers={"Authorization": f"Bearer {good.json()['access']}"},
            timeout=10,
        )
        assert me.json()["username"] == "shopper"
        auth = {"Authorization": f"Bearer {good.json()['access']}"}
        deadline = time.monotonic() + 30
        while True:
            status = requests.get(base + f"/api/v1/orders/{overdue}", headers=auth, timeout=10)
            if status.json()["status"] == "cancelled" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status.json()["status"] == "cancelled"
    finally:
        server.terminate()
        server.wait(timeout=10)
