"""``manage.py points_audit``: prove that every shopper's usable and pending points equal the
sum of their ledger and what their batches have left. Prints each difference; exits 1 if
there is any."""

from django.core.management.base import BaseCommand, CommandError

from marketing.services import points_audit


class Command(BaseCommand):
    help = "Check every points account against its ledger and batches; exit 1 on any difference."

    def handle(self, *args, **options):
        differences = points_audit()
        for row in differences:
            self.stdout.write(
                f"user {row['user_id']} {row['figure']}: account {row['account']}, "
                f"ledger {row['ledger']}, batches {row['batches']}"
            )
        if differences:
            raise CommandError(f"{len(differences)} points figure(s) differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Points agree with the ledger everywhere."))
