"""Load demo data: every installed app's ``demo.seed()``, in INSTALLED_APPS order.

Safe to run again: nothing is duplicated and passwords changed since are kept.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo shop: users, catalog and whatever else the apps provide (idempotent)."

    def handle(self, *args, **options):
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            with transaction.atomic():
                importlib.import_module(module_name).seed(stdout=self.stdout)
