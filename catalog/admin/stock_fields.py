"""Form pieces for editing stock without ever writing a stale value.

A stock input is sent with the value the page showed, hidden beside it. A changed number
is a count checked against that value (``sku_stock_count``); an "adjust by" number is a
delta (``sku_stock_adjust``). Django's admin renders no hidden fields of its own in a
list_editable column, so the hidden input lives inside the widget.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.errors import InsufficientStock, StockMoved

MAX_STOCK = 2_147_483_647


class StockCount(NamedTuple):
    counted: int | None
    seen: int | None

    @property
    def changed(self) -> bool:
        return self.counted is not None and self.counted != self.seen


class StockCountWidget(forms.MultiWidget):
    """The counted stock and, hidden, the stock the page showed (``<name>_seen``)."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "": forms.NumberInput(attrs={"min": "0", "style": "width: 5em"}),
                "seen": forms.HiddenInput(),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, StockCount):
            return [value.counted, value.seen]
        return [value, value]


class StockCountField(forms.MultiValueField):
    widget = StockCountWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Stock"))
        kwargs.setdefault(
            "help_text",
            _("Type the counted stock; it applies only if no sale moved it since."),
        )
        super().__init__(
            (
                forms.IntegerField(min_value=0, max_value=MAX_STOCK),
                forms.IntegerField(min_value=0, max_value=MAX_STOCK, required=False),
            ),
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list):
        return StockCount(*data_list) if data_list else StockCount(None, None)

    def has_changed(self, initial, data):
        # Changed means the merchant typed another number than the one shown, not that
        # sales moved the stock since the page was loaded.
        try:
            return self.clean(data).changed
        except ValidationError:
            return True


class WeightField(forms.DecimalField):
    """A SKU's weight, where empty means none (0 kg): only templates charged by weight read
    it, and a form without it changes nothing."""

    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return Decimal("0") if value is None else value


class StockEditFormMixin:
    """For a SKU ModelForm with a ``stock`` StockCountField (and optionally adjust fields).

    Keeps the model instance's stock an int, so model validation runs as usual; the
    merchant's intent is in ``self.stock_count``.
    """

    stock_count = StockCount(None, None)

    def _post_clean(self):
        count = self.cleaned_data.get("stock")
        if isinstance(count, StockCount):
            self.stock_count = count
            self.cleaned_data["stock"] = count.seen if count.seen is not None else count.counted
        super()._post_clean()

    def clean(self):
        data = super().clean()
        count = data.get("stock")
        if isinstance(count, StockCount) and count.changed and data.get("stock_adjust"):
            self.add_error("stock_adjust", _("Count the stock or adjust it, not both."))
        return data


def stock_adjust_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Adjust by"),
        required=False,
        min_value=-MAX_STOCK,
        max_value=MAX_STOCK,
        help_text=_("+50 received, −2 damaged: applied whatever the stock is now."),
        widget=forms.NumberInput(attrs={"style": "width: 5em"}),
    )


def stock_note_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 10}),
    )


def stock_edits_apply(*, sku_id: int, form, actor) -> None:
    """Apply the form's count or adjustment through the ledger.

    Raises ValidationError (on the stock field) when the stock moved since the page was
    loaded or would go below zero; the caller rolls back and shows the current value.
    """
    count: StockCount = getattr(form, "stock_count", StockCount(None, None))
    adjust = form.cleaned_data.get("stock_adjust")
    note = form.cleaned_data.get("stock_note") or ""
    try:
        if adjust:
            services.sku_stock_adjust(sku_id=sku_id, delta=adjust, actor=actor, note=note)
        elif count.changed:
            if count.seen is None:
                raise ValidationError(
                    {"stock": [_("The page did not say what stock it showed. Reload it.")]}
                )
            services.sku_stock_count(
                sku_id=sku_id, counted=count.counted, expected=count.seen, actor=actor, note=note
            )
    except StockMoved as exc:
        raise ValidationError({"stock": [exc.message]}) from exc
    except InsufficientStock as exc:
        raise ValidationError(
            {"stock_adjust": [_("That would take the stock below zero.")]}
        ) from exc
