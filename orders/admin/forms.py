"""The ship action's form: one per order, a carrier from the list and a tracking number."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.carriers import OTHER, carrier_choices

TRACKING_NO = re.compile(r"[A-Za-z0-9-]{4,64}")


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=carrier_choices)
    carrier_other = forms.CharField(
        label=_("Carrier name"), required=False, max_length=50, strip=True
    )
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=64, strip=True)

    def __init__(self, *args, order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)

    def add_prefix(self, field_name):
        # carrier_12, tracking_no_12 …: one form per order in one table.
        return f"{field_name}_{self.order.pk}"

    def clean_tracking_no(self):
        value = self.cleaned_data["tracking_no"].replace(" ", "")
        if not TRACKING_NO.fullmatch(value):
            raise ValidationError(_("Use 4 to 64 letters, digits or dashes."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("carrier") == OTHER and not data.get("carrier_other"):
            self.add_error("carrier_other", _("Name the carrier."))
        return data

    @property
    def carrier_value(self) -> str:
        data = self.cleaned_data
        return data["carrier_other"] if data["carrier"] == OTHER else data["carrier"]
