"""The carrier form: a carrier from the list (or one named) and a tracking number. The
admin's ship form and the shopper's return parcel (payments' after-sales) build on it."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.carriers import OTHER, carrier_choices

TRACKING_NO = re.compile(r"[A-Za-z0-9-]{4,64}")


class CarrierForm(forms.Form):
    """A carrier from the list (or one named) and a tracking number."""

    carrier = forms.ChoiceField(label=_("Carrier"), choices=carrier_choices)
    carrier_other = forms.CharField(
        label=_("Carrier name"), required=False, max_length=50, strip=True
    )
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=64, strip=True)

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
