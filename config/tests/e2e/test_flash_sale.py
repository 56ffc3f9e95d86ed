"""A flash sale on the full stack: the admin publishes it, two shoppers wait for it, one unit."""

from __future__ import annotations

import datetime
import re
import time
import zoneinfo

import pytest

from config.tests.e2e.conftest import keep
from config.tests.e2e.steps import (
    add_address,
    admin_action,
    admin_message,
    choose_in_autocomplete,
    log_in,
    pay_with_sandbox,
    register,
    unique,
)

pytestmark = pytest.mark.e2e
SHOP_TIME = zoneinfo.ZoneInfo("Asia/Shanghai")  # the stack's TIME_ZONE (the admin's inputs)
LEAD_SECONDS = 25  # from saving the event to its start: publish, warm-up, two pages open


def _seconds(clock: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock.strip().split(":"))
    return hours * 3600 + minutes * 60 + seconds


def _outcome(page) -> str:
    """Wait for the answer the shop gives this shopper: "created" or "sold_out"."""
    page.wait_for_selector(
        ".seckill-result.created, .seckill-result.failed, .messages .error", timeout=30_000
    )
    if page.locator(".seckill-result.created").count():
        return "created"
    text = page.locator("main").inner_text()
    return "sold_out" if "已抢光" in text else f"unexpected: {text[:300]}"


def test_two_shoppers_wait_for_a_flash_sale_of_one_unit_and_exactly_one_gets_it(pages):
    admin = pages("merchant")
    log_in(admin, "merchant")
    buyers = []
    for name in ("first", "second"):
        page = pages(name, width=390)
        register(page, unique(f"sk{name}"))
        add_address(page, receiver=f"{name}抢购")
        buyers.append(page)

    # 1. The merchant makes the event, one unit, starting in a few seconds, and publishes it.
    title = f"一元秒杀 {unique('')}"
    admin.goto("/admin/seckill/seckillevent/add/")
    admin.fill("#id_title_zh_hans", title)
    # The first SKU of every demo product has stock (20 to 200).
    choose_in_autocomplete(admin, "sku", "龙井", "LONGJING-1")
    admin.fill("#id_flash_price", "9.90")
    admin.fill("#id_allocated", "1")
    admin.fill("#id_per_user_limit", "1")
    starts = datetime.datetime.now(SHOP_TIME).replace(microsecond=0) + datetime.timedelta(
        seconds=LEAD_SECONDS
    )
    ends = starts + datetime.timedelta(minutes=30)
    for field, moment in (("starts_at", starts), ("ends_at", ends)):
        admin.fill(f"#id_{field}_0", moment.strftime("%Y-%m-%d"))
        admin.fill(f"#id_{field}_1", moment.strftime("%H:%M:%S"))
    with admin.expect_navigation():
        admin.click("input[name=_continue]")
    found = re.search(r"/seckillevent/(\d+)/change/", admin.url)
    assert found, admin.locator("#content").inner_text()[:1500]
    event_url = f"/seckill/{found.group(1)}/"
    admin_action(admin, "/admin/seckill/seckillevent/", title, "publish")
    assert "发布" in admin_message(admin) and "1" in admin_message(admin), admin_message(admin)

    # 2. Both wait on the event's page and watch the countdown run down to the start.
    for page in buyers:
        page.goto(event_url)
        assert page.locator("[data-seckill-buy]").is_disabled()
    clock = buyers[0].locator("[data-seckill-countdown]")
    before = _seconds(clock.inner_text())
    time.sleep(2.2)
    after = _seconds(clock.inner_text())
    assert 0 < before <= LEAD_SECONDS and before - 3 <= after < before, (before, after)
    keep(buyers[0], "flash-sale-countdown")
    for page in buyers:  # at zero the page shows itself again, on sale
        page.wait_for_selector("[data-seckill-buy]:not([disabled])", timeout=(after + 15) * 1000)
        assert page.locator("[data-seckill-buy]").inner_text() == "立即抢购"

    # 3. Both press "buy" at the same moment; the gate has one unit.
    for page in buyers:
        page.click("[data-seckill-buy]", no_wait_after=True)
    outcomes = [_outcome(page) for page in buyers]
    assert sorted(outcomes) == ["created", "sold_out"], outcomes
    winner = buyers[outcomes.index("created")]
    loser = buyers[outcomes.index("sold_out")]
    keep(winner, "flash-sale-won")
    # The other's page says the sale is sold out: its button too, once it hears from the gate.
    loser.wait_for_selector("[data-seckill-buy][data-sold-out]", timeout=15_000)
    assert loser.locator("[data-seckill-buy]").is_disabled()
    assert loser.locator("[data-seckill-buy]").inner_text() == "已售罄"
    keep(loser, "flash-sale-sold-out")

    # 4. The winner's order has their default address; they pay for it.
    assert "抢购" in winner.locator(".seckill-result").inner_text()
    with winner.expect_navigation():
        winner.click(".seckill-result a.button")
    assert "¥9.90" in winner.locator("aside.summary").inner_text()
    pay_with_sandbox(winner)
    assert "已付款" in winner.locator("[data-order-status]").inner_text()
