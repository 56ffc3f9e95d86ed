"""The merchant's journey through the admin, and what the shopper sees of it on the shop."""

from __future__ import annotations

import json

import pytest

from config.tests.e2e.conftest import keep
from config.tests.e2e.steps import (
    add_to_cart,
    admin_action,
    admin_message,
    checkout_with_new_address,
    choose_in_autocomplete,
    log_in,
    order_no_of,
    pay_with_sandbox,
    register,
    unique,
)

pytestmark = pytest.mark.e2e


def _sku_stock(page, code: str) -> int:
    """The stock the admin's SKU list shows for one SKU code."""
    page.goto(f"/admin/catalog/sku/?q={code}")
    row = page.locator("#result_list tbody tr", has_text=code)
    assert row.count() == 1, row.count()
    return int(row.locator("input[name$='-stock']").input_value())


def _request_decision(page, order_no: str, action: str) -> None:
    """The after-sales queue: open the order's request and press the decision's button."""
    page.goto(f"/admin/payments/aftersalerequest/?q={order_no}")
    page.locator("#result_list tbody tr th a").first.click()
    with page.expect_navigation():
        page.click(f"button[name=action][value={action}]")
    assert "完成" in admin_message(page) or "Done" in admin_message(page), admin_message(page)


def test_the_merchant_lists_a_product_restocks_it_ships_it_and_takes_the_return(pages, tmp_path):
    """The merchant adds a product with two SKUs, a photo and a name in Chinese and English;
    the shop shows it in both languages. Stock is adjusted with a reason. A shopper buys it;
    the merchant ships the order, and the shopper's open order page turns shipped by itself.
    The shopper sends it back; the merchant approves, receives the parcel, the sandbox pays
    the refund, the order page turns refunded, and the unit is back in stock."""
    from PIL import Image

    slug = unique("bamboo-pillowcase-")
    code = slug.rsplit("-", 1)[1]
    zh_name, en_name = f"竹纤维枕套 {code}", f"Bamboo pillowcase {code}"
    photo = tmp_path / "pillowcase.png"
    Image.new("RGB", (800, 800), (120, 160, 110)).save(photo)

    # 1. The product, in the admin (a desktop's width).
    admin = pages("merchant")
    log_in(admin, "merchant")
    admin.goto("/admin/catalog/product/add/")
    admin.fill("#id_name_zh_hans", zh_name)
    admin.fill("#id_name_en", en_name)
    admin.fill("#id_slug", slug)
    admin.fill("#id_subtitle_zh_hans", "透气亲肤，一对装")
    admin.fill("#id_subtitle_en", "Breathable and soft, a pair")
    choose_in_autocomplete(admin, "category", "床上", "床上用品")
    admin.select_option("#id_status", "on_sale")
    admin.fill("#id_spec", json.dumps([{"name": "颜色", "values": ["米白", "灰色"]}]))
    admin.fill("#id_description_zh_hans", "<p>竹纤维面料，48×74 厘米。</p>")
    admin.fill("#id_description_en", "<p>Bamboo fibre, 48 × 74 cm.</p>")
    for row, (colour, price) in enumerate([("米白", "59.00"), ("灰色", "64.00")]):
        if row:
            admin.click("#skus-group .add-row a")
        admin.fill(f"#id_skus-{row}-code", f"{code}-{row + 1}")
        admin.fill(f"#id_skus-{row}-attributes", json.dumps({"颜色": colour}))
        admin.fill(f"#id_skus-{row}-price", price)
        admin.fill(f"#id_skus-{row}-list_price", "89.00")
        admin.fill(f"#id_skus-{row}-stock_0", "20")
    admin.set_input_files("#id_images-0-image", str(photo))
    admin.fill("#id_images-0-alt", "米白色枕套")
    with admin.expect_navigation():
        admin.click("input[name=_continue]")
    assert "成功" in admin_message(admin), admin.locator("#content").inner_text()[:2000]
    assert admin.locator("#id_skus-1-code").input_value() == f"{code}-2"
    keep(admin, "merchant-product-added")

    # 2. Twenty more came in: an adjustment with its reason, on the SKU's page.
    first_sku = f"{code}-1"
    admin.goto(f"/admin/catalog/sku/?q={first_sku}")
    admin.locator("#result_list tbody tr th a", has_text=first_sku).click()
    admin.fill("#id_stock_adjust", "20")
    admin.fill("#id_stock_note", "到货入库 20 件")
    with admin.expect_navigation():
        admin.click("input[name=_continue]")
    assert admin.locator("#id_stock_0").input_value() == "40"
    assert "到货入库 20 件" in admin.locator(".field-recent_movements").inner_text()
    assert _sku_stock(admin, first_sku) == 40

    # 3. On the shop, in Chinese and in English, with its photo.
    shopper = pages("shopper", width=390)
    register(shopper, unique("lin"))
    shopper.goto(f"/search/?q={zh_name}")
    shopper.locator(".product-card a", has_text=zh_name).first.click()
    assert shopper.locator("h1").inner_text() == zh_name
    picture = shopper.locator(".gallery img").first
    picture.wait_for()
    loaded = "(img) => img.complete && img.naturalWidth > 0"
    assert shopper.evaluate(loaded, picture.element_handle())
    english = pages("english", locale="en-US")
    english.goto(shopper.url)
    assert english.locator("h1").inner_text() == en_name
    assert "Breathable and soft" in english.content()

    # 4. The shopper buys one of the first SKU and pays.
    add_to_cart(shopper, option=0)
    checkout_with_new_address(shopper, receiver="林晓")
    order_url = pay_with_sandbox(shopper)
    order_no = order_no_of(shopper)
    assert _sku_stock(admin, first_sku) == 39

    # 5. The merchant ships it; the shopper's page, left open, turns shipped by itself.
    admin_action(admin, "/admin/orders/order/", order_no, "ship_orders")
    order_pk = admin.locator("input[name=_selected_action]").first.get_attribute("value")
    admin.select_option(f"#id_carrier_{order_pk}", "SF")
    admin.fill(f"#id_tracking_no_{order_pk}", "SF1234567890123")
    with admin.expect_navigation():
        admin.click("input[type=submit][value]")
    assert admin_message(admin) == "已发货 1 个订单。", admin_message(admin)
    shopper.wait_for_selector("[data-order-status=shipped]", timeout=20_000)
    assert shopper.url == order_url
    assert "SF1234567890123" in shopper.locator("main").inner_text()
    keep(shopper, "shopper-order-shipped")

    # 6. The shopper sends it back.
    shopper.click(".order-actions a.button.secondary")
    assert "/aftersale/" in shopper.url
    shopper.select_option("#id_reason", index=1)
    for quantity in shopper.locator("input[name^=qty_]").all():
        quantity.fill("1")
    shopper.fill("#id_note", "颜色和图片不一样")
    with shopper.expect_navigation():
        shopper.click(".aftersale-form button[type=submit]")
    assert shopper.url == order_url, shopper.locator("main").inner_text()[:1500]
    assert shopper.locator("section.card.aftersale").count() == 1

    # 7. The merchant approves; the shopper posts the parcel back; the merchant receives it.
    _request_decision(admin, order_no, "approve")
    shopper.goto(order_url)
    return_form = shopper.locator("form.return-form")
    return_form.locator("select").select_option("YTO")
    return_form.locator("input[name=tracking_no]").fill("YT9876543210")
    with shopper.expect_navigation():
        return_form.locator("button[type=submit]").click()
    assert "YT9876543210" in shopper.locator("section.card.aftersale").inner_text()
    _request_decision(admin, order_no, "received")

    # 8. The sandbox pays the refund a moment later (its notification goes through the
    # worker); the shopper's page turns refunded, and the unit is back on the shelf.
    shopper.wait_for_selector("[data-order-status=refunded]", timeout=30_000)
    assert "已退款" in shopper.locator("[data-order-status]").inner_text()
    keep(shopper, "shopper-order-refunded")
    assert _sku_stock(admin, first_sku) == 40
