from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print where the shop is served and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        base = f"http://{host}:{port}"
        mode = "embedded (SQLite, fakeredis, inline tasks)" if settings.EMBEDDED else "full stack"
        lines = [
            "",
            f"  Kuaimai is starting in {mode} mode",
            f"  Shop      {base}/",
            f"  Admin     {base}/admin/",
            f"  API docs  {base}/api/docs/",
            "  Demo logins (username / password):",
            *(f"    {u:<9} / {p}" for u, p in DEMO_LOGINS),
            "",
        ]
        self.stdout.write("\n".join(lines))
