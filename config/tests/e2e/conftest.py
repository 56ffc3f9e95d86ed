"""The full stack (config/e2e.py) for the whole session, a browser, and what a failure
leaves behind: a screenshot and the page's HTML in var/e2e/failures/, their paths and the
last lines of every process's log printed in the report."""

from __future__ import annotations

import re

import pytest

from config.e2e import FAILURES, SCREENSHOTS, Stack
from config.testing import CHROMIUM

DEMO_PASSWORDS = {"shopper": "shopper123", "merchant": "merchant123"}


@pytest.fixture(scope="session")
def stack():
    running = Stack().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def pages(chromium, stack, request):
    """``pages(name)``: a new page in a fresh browser context (its own cookies), at a phone's
    or a desktop's width; every page of the test is captured if the test fails."""
    opened = []

    def new(name: str = "page", *, width: int = 1366, locale: str = "zh-CN"):
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, locale=locale, base_url=stack.url
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        opened.append((name, page))
        return page

    request.node.e2e_pages = opened
    yield new
    for _name, page in opened:
        page.context.close()


def keep(page, journey: str) -> None:
    """The journey's key page, kept in var/screenshots/ for a person to look at."""
    page.screenshot(path=str(SCREENSHOTS / f"{journey}.png"), full_page=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or report.passed:
        return
    saved = []
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", item.nodeid)[-120:]
    for name, page in getattr(item, "e2e_pages", []):
        try:
            shot = FAILURES / f"{slug}-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            html = FAILURES / f"{slug}-{name}.html"
            html.write_text(page.content())
            saved += [str(shot), str(html)]
        except Exception as exc:  # a closed page: say so, keep the report
            saved.append(f"{name}: not captured ({exc})")
    stack = item.funcargs.get("stack")
    tails = stack.log_tails(15) if stack else ""
    report.sections.append(("e2e failure artifacts", "\n".join(saved) + "\n\n" + tails))
