"""The shop's name as people read it: the SITE_NAME setting, else 快买 / Kuaimai by language."""

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext


def site_name() -> str:
    return settings.SITE_NAME or gettext("Kuaimai")


# For values fixed at import (the admin's header): resolved each time it is rendered.
site_name_lazy = lazy(site_name, str)
