"""``manage.py stock_audit``: prove that every SKU's stock (and every flash-sale event's)
equals the sum of its movements. Prints each difference; exits non-zero if there is any."""

from django.core.management.base import BaseCommand, CommandError

from catalog.services import stock_audit


class Command(BaseCommand):
    help = "Check every SKU's and event's stock against the ledger; exit 1 on any difference."

    def handle(self, *args, **options):
        differences = stock_audit()
        for row in differences:
            self.stdout.write(
                f"{row['kind']} {row['pk']} {row['code']}: stock {row['stock']}, "
                f"ledger {row['ledger']}, difference {row['difference']:+d}"
            )
        if differences:
            raise CommandError(f"{len(differences)} stock holder(s) differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Stock agrees with the ledger everywhere."))
