"""``manage.py stock_audit``: prove that every SKU's stock equals its opening stock plus
all its movements. Prints each difference; exits non-zero if there is any."""

from django.core.management.base import BaseCommand, CommandError

from catalog.services import stock_audit


class Command(BaseCommand):
    help = "Check every SKU's stock against its stock ledger; exit 1 on any difference."

    def handle(self, *args, **options):
        differences = stock_audit()
        for row in differences:
            self.stdout.write(
                f"SKU {row['pk']} {row['code']}: stock {row['stock']}, ledger {row['ledger']}, "
                f"difference {row['difference']:+d}"
            )
        if differences:
            raise CommandError(f"{len(differences)} SKU(s) differ from the stock ledger.")
        self.stdout.write(self.style.SUCCESS("Stock agrees with the ledger for every SKU."))
