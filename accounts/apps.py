from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.permissions import merchant_permissions_sync

        post_migrate.connect(merchant_permissions_sync, dispatch_uid="merchant_permissions_sync")
