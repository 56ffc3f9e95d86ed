from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from catalog.recent import recent_merge_at_login

        user_logged_in.connect(recent_merge_at_login, dispatch_uid="catalog_recent_merge")
