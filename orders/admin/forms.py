"""The ship action's form: one per order, a carrier from the list and a tracking number."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.forms import CarrierForm


class ShipForm(CarrierForm):
    def __init__(self, *args, order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)

    def add_prefix(self, field_name):
        # carrier_12, tracking_no_12 …: one form per order in one table.
        return f"{field_name}_{self.order.pk}"


class ShipFileForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GBK, as Excel and WPS save it) or XLSX, with the columns order "
            "number, carrier and tracking number."
        ),
    )
