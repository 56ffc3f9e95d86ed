"""The ship action's form: one per order, a carrier from the list and a tracking number."""

from orders.forms import CarrierForm


class ShipForm(CarrierForm):
    def __init__(self, *args, order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)

    def add_prefix(self, field_name):
        # carrier_12, tracking_no_12 …: one form per order in one table.
        return f"{field_name}_{self.order.pk}"
