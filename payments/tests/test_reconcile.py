"""Reconciliation finds every planted difference between our payments and the bill."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from orders.tests.conftest import place_order
from payments.models import Payment, ReconciliationRun, SandboxTrade
from payments.tests.test_sandbox import start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_three(client, buyer, settings, live_server):
    """Three orders paid through the sandbox today."""
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    client.force_login(buyer)
    payments = []
    for _ in range(3):
        payment = start(client, place_order(buyer))
        client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
        payments.append(Payment.objects.get(pk=payment.pk))
    assert {p.status for p in payments} == {"succeeded"}
    return payments


def test_a_matching_day_reports_nothing(paid_three):
    out = StringIO()
    call_command("reconcile_payments", "--date", timezone.localdate().isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        f"sandbox {timezone.localdate()}: 3 here, 3 in the bill, 0 mismatch(es)"
    ]


def test_planted_differences_are_each_reported_and_kept(paid_three):
    first, second, third = paid_three
    SandboxTrade.objects.filter(payment_no=first.payment_no).update(amount=Decimal("1.00"))
    SandboxTrade.objects.filter(payment_no=second.payment_no).delete()
    Payment.objects.filter(pk=third.pk).update(status="pending")  # the gateway has it, we do not
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("reconcile_payments", "--date", timezone.localdate().isoformat(), stdout=out)
    assert exit_.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"sandbox {timezone.localdate()}: 2 here, 2 in the bill, 3 mismatch(es)"
    expected = {
        f"  {first.payment_no}: amounts differ (here {first.amount}, bill 1.00)",
        f"  {second.payment_no}: paid here, not in the provider's bill "
        f"(here {second.amount}, bill -)",
        f"  {third.payment_no}: paid at the provider, not here (here -, bill {third.amount})",
    }
    assert set(lines[1:]) == expected
    run = ReconciliationRun.objects.get()
    assert len(run.mismatches) == 3


def test_another_day_is_compared_on_its_own(paid_three):
    yesterday = timezone.localdate() - timedelta(days=1)
    out = StringIO()
    call_command("reconcile_payments", "--date", yesterday.isoformat(), stdout=out)
    assert "0 here, 0 in the bill, 0 mismatch(es)" in out.getvalue()


def test_the_admin_shows_the_last_runs(client, paid_three):
    from accounts.tests.factories import UserFactory

    SandboxTrade.objects.filter(payment_no=paid_three[0].payment_no).delete()
    with pytest.raises(SystemExit):
        call_command(
            "reconcile_payments", "--date", timezone.localdate().isoformat(), stdout=StringIO()
        )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    run = ReconciliationRun.objects.get()
    listing = client.get(reverse("admin:payments_reconciliationrun_changelist")).content.decode()
    assert f'href="/admin/payments/reconciliationrun/{run.pk}/change/' in listing
    detail = client.get(reverse("admin:payments_reconciliationrun_change", args=[run.pk]))
    assert paid_three[0].payment_no in detail.content.decode()


@pytest.mark.parametrize(
    ("provider", "says"),
    [
        ("nope", "no such provider (known: alipay, sandbox, wechatpay)"),
        ("wechatpay", "not enabled (add it to PAYMENTS_PROVIDERS)"),
    ],
)
def test_a_provider_that_cannot_be_asked_is_one_line_and_exit_2(provider, says):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "reconcile_payments", "--provider", provider],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"CommandError: reconcile_payments: {provider}: {says}"
    ]
    assert done.stdout == ""


def test_a_configured_but_incomplete_provider_says_what_is_missing(settings):
    from django.core.management.base import CommandError

    settings.PAYMENTS_PROVIDERS = ["sandbox", "alipay"]
    settings.ALIPAY_APP_ID = ""
    with pytest.raises(CommandError) as caught:
        call_command("reconcile_payments", "--provider", "alipay", stdout=StringIO())
    assert caught.value.returncode == 2
    assert "ALIPAY_APP_ID is not set." in str(caught.value)


def test_asking_the_gateway_says_what_it_answered_for_each_payment(
    client, buyer, settings, live_server, admin_user
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    client.force_login(buyer)
    waiting = start(client, place_order(buyer))
    paid = start(client, place_order(buyer))
    SandboxTrade.objects.filter(payment_no=paid.payment_no).update(status="paid")
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "query_gateway", "_selected_action": [waiting.pk, paid.pk]},
        follow=True,
    )
    html = page.content.decode()
    assert f"{waiting.payment_no}: not paid yet: the gateway is still waiting" in html
    assert f"{paid.payment_no}: paid: the gateway has the money, and the order is paid." in html
    assert Payment.objects.get(pk=paid.pk).status == "succeeded"
