"""拼团 on the full stack: the merchant publishes a group buy, two shoppers fill a group
from its share link, a third opens one nobody joins and the worker's deadline timer fails
it and refunds the payment through the sandbox."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest

from config.tests.e2e.conftest import keep
from config.tests.e2e.steps import (
    add_address,
    admin_action,
    admin_message,
    choose_in_autocomplete,
    log_in,
    register,
    unique,
)

pytestmark = pytest.mark.e2e
SHOP_TIME = zoneinfo.ZoneInfo("Asia/Shanghai")


def _shopper(pages, name: str):
    page = pages(name, width=390)
    register(page, unique(f"gb{name}"))
    add_address(page, receiver=f"{name}团购")
    return page


def _open_or_join_and_pay(page, start_url: str, button: str) -> str:
    """From a product or share page: the group's button, the buy page, the sandbox; waits
    until the order page shows the order past payment. Returns the order page's URL."""
    page.goto(start_url)
    with page.expect_navigation():
        page.click(button)
    with page.expect_navigation():
        page.click("form.groupbuy-buy button[type=submit]")
    assert "/orders/" in page.url, page.locator("main").inner_text()[:500]
    order_url = page.url
    with page.expect_navigation():
        page.click(".pay-form button[type=submit]")
    with page.expect_navigation():
        page.click("button[name=outcome][value=pay]")
    page.wait_for_selector("[data-order-status=grouping], [data-order-status=paid]", timeout=20_000)
    return order_url


def test_two_shoppers_fill_a_group_and_a_third_one_fails_and_is_refunded(pages):
    admin = pages("merchant")
    log_in(admin, "merchant")
    title = f"两人团 {unique('')}"
    admin.goto("/admin/marketing/groupbuy/add/")
    admin.fill("#id_title_zh_hans", title)
    choose_in_autocomplete(admin, "sku", "龙井", "LONGJING-1")
    admin.fill("#id_group_price", "99.00")
    admin.fill("#id_group_size", "2")
    admin.fill("#id_fill_minutes", "2")
    now = datetime.datetime.now(SHOP_TIME).replace(microsecond=0)
    for field, moment in (("starts_at", now), ("ends_at", now + datetime.timedelta(days=1))):
        admin.fill(f"#id_{field}_0", moment.strftime("%Y-%m-%d"))
        admin.fill(f"#id_{field}_1", moment.strftime("%H:%M:%S"))
    admin.fill("#id_allocated", "5")
    admin.fill("#id_per_user_limit", "1")
    with admin.expect_navigation():
        admin.click("input[name=_continue]")
    assert re.search(r"/groupbuy/\d+/change/", admin.url), admin.locator("#content").inner_text()
    admin_action(admin, "/admin/marketing/groupbuy/", title, "publish")
    assert "1" in admin_message(admin), admin_message(admin)

    leader, joiner, lonely = (_shopper(pages, n) for n in ("leader", "joiner", "lonely"))
    leader.goto("/search/?q=龙井")
    leader.locator(".product-card a").first.click()
    product_url = leader.url
    assert title in leader.locator(".groupbuy").first.inner_text()

    # 1. The leader opens the group: paid, it waits (待成团) and links its share page.
    leader_order = _open_or_join_and_pay(leader, product_url, ".groupbuy a.button")
    assert leader.get_attribute("[data-order-status]", "data-order-status") == "grouping"
    share_url = leader.locator(".group-panel a.button").get_attribute("href")
    leader.goto(share_url)
    assert "还差 1 人" in leader.locator(".group-status").inner_text()

    # 2. The second shopper joins from the link: the group is full, both orders are paid.
    _open_or_join_and_pay(joiner, share_url, ".group-state a.button")
    joiner.wait_for_selector("[data-order-status=paid]", timeout=20_000)
    leader.goto(leader_order)
    assert leader.get_attribute("[data-order-status]", "data-order-status") == "paid"
    leader.goto(share_url)
    assert "已成团" in leader.locator(".group-status").inner_text()
    keep(leader, "group-buy-succeeded")

    # 3. The third opens a group nobody joins: two minutes on, the worker's timer fails it,
    # the order is cancelled with the reason and the sandbox pays the money back.
    lonely_order = _open_or_join_and_pay(lonely, product_url, ".groupbuy a.button")
    lonely.wait_for_selector("[data-order-status=cancelled]", timeout=200_000)
    for _attempt in range(30):  # the refund's notification comes from the sandbox's task
        lonely.goto(lonely_order)
        if "已退款：" in lonely.locator("main").inner_text():
            break
        lonely.wait_for_timeout(1000)
    text = lonely.locator("main").inner_text()
    assert "未能按时成团" in text and "已退款：" in text, text[:800]
    keep(lonely, "group-buy-failed-refunded")
