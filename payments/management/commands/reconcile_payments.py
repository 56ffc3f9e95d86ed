"""Compare a day's successful payments with each provider's bill and print every mismatch.

Usage: manage.py reconcile_payments --date 2026-11-21 [--provider sandbox]
Exits 1 when anything differs (for cron and alerts), 2 when it cannot compare (a provider
that does not exist or is not configured, a bill the gateway would not give), each said in
one line; the admin shows the last runs.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.exceptions import ApplicationError
from payments.providers import enabled_providers, provider_problems
from payments.services import payments_reconcile

PROBLEMS = {
    "missing_here": "paid at the provider, not here",
    "missing_in_bill": "paid here, not in the provider's bill",
    "amount": "amounts differ",
}


class Command(BaseCommand):
    help = "Compare a day's successful payments with the providers' bills."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD, the shop's time zone (default: yesterday)")
        parser.add_argument("--provider", action="append", help="one provider (repeatable)")

    def handle(self, *args, **options):
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date takes YYYY-MM-DD", returncode=2) from exc
        else:
            day = timezone.localdate() - timedelta(days=1)
        providers = options["provider"] or enabled_providers()
        for provider in providers:
            problem = provider_problems(provider)
            if problem:
                self._stop(f"reconcile_payments: {provider}: {problem}")
        differ = False
        for provider in providers:
            try:
                run = payments_reconcile(day=day, provider=provider)
            except ApplicationError as exc:  # the gateway's answer, or that it did not answer
                self._stop(f"reconcile_payments: {provider} {day}: {exc.message}")
            self.stdout.write(
                f"{provider} {day}: {run.local_count} here, {run.bill_count} in the bill, "
                f"{len(run.mismatches)} mismatch(es)"
            )
            for item in run.mismatches:
                differ = True
                what = item["payment_no"]
                if item.get("refund_no"):
                    what += f" refund {item['refund_no']}"
                self.stdout.write(
                    f"  {what}: {PROBLEMS[item['problem']]} "
                    f"(here {item['ours'] or '-'}, bill {item['theirs'] or '-'})"
                )
        if differ:
            raise SystemExit(1)

    def _stop(self, line: str):
        raise CommandError(line, returncode=2)
