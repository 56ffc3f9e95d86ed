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
