"""The shopper's after-sales form: reason, amount, note, photos and, for a return, how many
of each item go back (the service checks it all again, photos with Pillow)."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from config.money import money
from payments.models import AfterSaleReason
from payments.services import returnable_quantities


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos in one input (each is checked with Pillow by the service)."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class AfterSaleForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=AfterSaleReason.objects.none(), empty_label=None
    )
    amount = forms.DecimalField(
        label=_("Refund amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    note = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos (up to 3)"), required=False)

    def __init__(self, *args, kind: str, order, left, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.order = kind, order
        self.fields["reason"].queryset = AfterSaleReason.objects.filter(
            active=True, applies_to__in=[AfterSaleReason.AppliesTo.ANY, kind]
        )
        self.fields["amount"].validators.append(MaxValueValidator(left))
        self.fields["amount"].widget.attrs["max"] = str(left)
        self.fields["amount"].initial = left
        self.fields["amount"].help_text = _("Up to %(left)s.") % {"left": money(left)}
        self.item_fields = []
        if kind == "return":
            for item, can in left_items(order):
                name = f"qty_{item.pk}"
                self.fields[name] = forms.IntegerField(
                    label=item.product_name, min_value=0, max_value=can, initial=can, required=False
                )
                self.item_fields.append((item, self[name], can))
            # What goes back first, then why and how much.
            self.order_fields([f"qty_{item.pk}" for item, _f, _c in self.item_fields])

    def items(self) -> dict[int, int]:
        return {
            item.pk: self.cleaned_data.get(f"qty_{item.pk}") or 0
            for item, _f, _c in self.item_fields
        }


def left_items(order):
    left = returnable_quantities(order)
    return [(item, left[item.pk]) for item in order.items.all() if left.get(item.pk, 0) > 0]
