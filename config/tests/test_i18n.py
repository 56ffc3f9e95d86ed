"""Simplified Chinese first, English too: the default, the switch, Accept-Language, the API's
errors, dates in the Chinese style, and a catalogue with no string left untranslated."""

import datetime
import gettext
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from django.utils import translation

from accounts.tests.factories import UserFactory
from config import messages
from config.dates import local_datetime
from orders.models import Message, OrderStatus

ROOT = Path(__file__).resolve().parents[2]
AT_1405_SHANGHAI = datetime.datetime(2026, 11, 22, 6, 5, tzinfo=datetime.UTC)


# --- The catalogue ---------------------------------------------------------------------------


def test_every_marked_string_has_a_current_chinese_translation():
    assert messages.problems("zh_Hans") == []


def test_the_check_fails_on_a_missing_an_empty_or_a_fuzzy_entry():
    catalog = Catalog(locale="zh_Hans")
    catalog.add("Cart", "购物车")
    catalog.add("Checkout", "")
    catalog.add("Pay now", "立即付款", flags=["fuzzy"])
    catalog.add("Only %(n)d left", "仅剩几件")
    marked = {"Cart": {"a.html"}, "Checkout": {"b.html"}, "Pay now": {"c.py"}, "Log in": {"d"}}
    marked["Only %(n)d left"] = {"e.py"}
    assert messages.catalog_problems(catalog, marked) == [
        "not in the .po: 'Log in' (d)",
        "untranslated: 'Checkout'",
        "fuzzy: 'Pay now'",
        "placeholders differ: 'Only %(n)d left' → '仅剩几件'",
    ]


def test_the_marked_strings_come_from_code_and_templates():
    marked = messages.marked_messages()
    assert "templates/includes/header.html" in marked["Search products"]
    assert "orders/models.py" in marked["Awaiting payment"]
    assert "templates/includes/price_breakdown.html" in marked["%(counter)s item"]


def test_the_committed_mo_says_what_the_po_says():
    committed = messages.po_path("zh_Hans").with_suffix(".mo").read_bytes()
    fresh = messages.compiled("zh_Hans")
    assert gettext.GNUTranslations(io.BytesIO(committed))._catalog == (
        gettext.GNUTranslations(io.BytesIO(fresh))._catalog
    )


def test_the_shop_defaults_to_simplified_chinese():
    env = {k: v for k, v in os.environ.items() if k != "LANGUAGE_CODE"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.LANGUAGE_CODE)"
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "zh-hans"


# --- Choosing the language -------------------------------------------------------------------


@pytest.fixture
def chinese_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_when_the_browser_asks(client, chinese_default):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "搜索商品" in page and "购物车" in page
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in english
    assert "Search products" in english and "搜索商品" not in english


@pytest.mark.django_db
def test_a_browser_asking_for_chinese_gets_chinese_whatever_the_default(client, settings):
    settings.LANGUAGE_CODE = "en"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


@pytest.mark.django_db
def test_the_switch_sets_the_cookie_and_returns_to_the_page(client, chinese_default):
    page = client.get("/cart/").content.decode()
    assert 'name="language" value="en"' in page  # the header offers the other language
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/cart/"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert response.cookies["django_language"].value == "en"
    assert "Your cart is empty." in client.get("/cart/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/cart/"})
    assert "购物车还是空的。" in client.get("/cart/").content.decode()


@pytest.mark.django_db
def test_a_signed_in_shoppers_choice_is_kept_for_their_messages(client, chinese_default):
    user = UserFactory(language="")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_the_switch_refuses_an_unknown_language_and_a_foreign_next(client, chinese_default):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "django_language" not in response.cookies


@pytest.mark.django_db
def test_api_errors_speak_the_requests_language(client, chinese_default):
    chinese = client.get("/api/v1/products/999999999").json()
    assert chinese["message"] == "该商品不存在或已下架。"
    english = client.get("/api/v1/products/999999999", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["message"] == "This product does not exist or is not on sale."
    invalid = client.get("/api/v1/products?min_price=x", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert invalid["errors"]["min_price"] == ["请填写合法的数字。"]


# --- Formats ---------------------------------------------------------------------------------


def test_dates_read_the_chinese_way_in_the_shops_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("zh-hans"):
        assert local_datetime(AT_1405_SHANGHAI) == "2026年11月22日 14:05"
    with translation.override("en"):
        assert local_datetime(AT_1405_SHANGHAI) == "Nov. 22, 2026, 14:05"


@pytest.mark.django_db
def test_the_message_list_shows_chinese_dates_and_statuses_are_chinese(client, chinese_default):
    user = UserFactory()
    Message.objects.create(user=user, title="订单已发货")
    Message.objects.filter(user=user).update(created_at=AT_1405_SHANGHAI)
    client.force_login(user)
    page = client.get("/messages/").content.decode()
    assert "2026年11月22日 14:05" in page
    assert '<span class="badge" data-unread-count title="未读消息">1</span>' in page
    with translation.override("zh-hans"):
        assert str(OrderStatus.PENDING_PAYMENT.label) == "待付款"


@pytest.mark.django_db
def test_the_merchant_admin_is_chinese(client, chinese_default):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/").content.decode()
    assert "快买商家后台" in page
    assert "站点管理" in page  # Django's own admin strings come translated too
