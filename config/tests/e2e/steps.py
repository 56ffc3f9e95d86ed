"""Steps more than one journey takes, done the way a person does them in the browser."""

from __future__ import annotations

import itertools
import time

from config.tests.e2e.conftest import DEMO_PASSWORDS

_serial = itertools.count(1)
SHOPPER_PASSWORD = "Mei-Secret-2026"  # noqa: S105 - a test shopper's, on a throwaway stack


def unique(prefix: str) -> str:
    """A name no earlier run of the stack has used (the database is new, the clock moves)."""
    return f"{prefix}{int(time.time() * 1000) % 10**8}{next(_serial)}"


def log_in(page, username: str, password: str | None = None) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", username)
    page.fill("#id_password", password or DEMO_PASSWORDS[username])
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def register(page, username: str, password: str = SHOPPER_PASSWORD) -> None:
    page.goto("/accounts/register/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password", password)
    page.fill("#id_password_confirm", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/register/" not in page.url, page.locator("main").inner_text()


def add_to_cart(page, *, option: int | None = None) -> str:
    """On a product page: pick the SKU option (by position), add one; returns the name."""
    name = page.locator("h1").inner_text()
    if option is not None:
        page.locator("form.add-to-cart input[type=radio]").nth(option).check()
    with page.expect_navigation():
        page.click("form.add-to-cart button[type=submit]")
    return name


def fill_address(page, receiver, phone, province, city, district, detail) -> None:
    """An address form's fields, in the order a person reads them: the region picked level
    by level (the page's script lists each level's places once the one above is chosen)."""
    page.fill("#id_receiver", receiver)
    page.fill("#id_phone", phone)
    for field, name in (
        ("province_code", province),
        ("city_code", city),
        ("region_code", district),
    ):
        select = page.locator(f"#id_{field}")
        select.locator("option", has_text=name).first.wait_for(state="attached")
        select.select_option(label=name)
    page.fill("#id_detail", detail)


def checkout_with_new_address(page, receiver: str = "王美") -> None:
    """From the cart's checkout page: add a delivery address and place the order; the page
    is then the new order's, waiting for payment."""
    page.goto("/checkout/")
    fill_address(page, receiver, "13800138000", "浙江省", "杭州市", "西湖区", "文三路 100 号")
    with page.expect_navigation():
        page.click("details.new-address button[name=add_address]")
    assert receiver in page.content()
    with page.expect_navigation():
        page.click("form.cart-layout button[type=submit].block")
    status = page.locator("[data-order-status]")
    assert status.get_attribute("data-order-status") == "pending_payment"


def pay_with_sandbox(page) -> str:
    """On an order waiting for payment: pay with the sandbox and wait, without reloading,
    until the page shows the order paid. Returns the order page's URL."""
    with page.expect_navigation():
        page.click(".pay-form button[type=submit]")
    assert "/payments/sandbox/" in page.url
    with page.expect_navigation():
        page.click("button[name=outcome][value=pay]")
    order_url = page.url
    page.wait_for_selector("[data-order-status=paid]", timeout=20_000)
    assert page.url == order_url
    return order_url


def order_no_of(page) -> str:
    return page.locator("[data-order-status]").get_attribute("data-order-no")


def admin_message(page) -> str:
    return " ".join(page.locator("ul.messagelist li").all_inner_texts())


def add_address(page, receiver: str) -> None:
    """A first saved address (so it is the default) from the account's address book."""
    page.goto("/accounts/addresses/new/")
    fill_address(page, receiver, "13900139000", "广东省", "深圳市", "南山区", "科技园 8 号")
    with page.expect_navigation():
        page.click("main form button[type=submit]:not([name])")  # Save, not "Fill in"
    assert receiver in page.locator("main").inner_text()


def choose_in_autocomplete(page, field: str, search: str, pick: str) -> None:
    """The admin's autocomplete (select2): open it, type, click the result that reads
    ``pick`` (the list shows other rows until the search's answer arrives)."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.locator(".select2-results__option", has_text=pick).first.click()
    assert pick in page.locator(f".field-{field} .select2-selection").inner_text()


def admin_action(page, changelist: str, search: str, action: str) -> None:
    """On an admin list: find the one row the search gives, tick it, run the action."""
    page.goto(f"{changelist}?q={search}")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1, rows.count()
    rows.first.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")
