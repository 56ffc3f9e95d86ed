"""Cart pages: work for guests and users, without JavaScript (every control is a form)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import address_default_for
from carts import services
from carts.keys import cart_key_for_request
from carts.selectors import cart_view
from catalog.models import Sku
from config.exceptions import ApplicationError
from config.parsing import parse_id


class LineForm(forms.Form):
    sku = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(required=False)


def cart_page(request):
    # A signed-in shopper's guest cart still waiting to be merged (Redis was down at login)
    # joins first; a guest gets no cart made by looking.
    cart = cart_view(
        key=cart_key_for_request(request, create=request.user.is_authenticated),
        user=request.user,
        address=address_default_for(user=request.user),
    )
    return render(request, "carts/cart.html", {"cart": cart})


def _back(request, default="carts:cart", keep: dict | None = None):
    """To the page that posted (``next``, on this host), with ``keep`` in its query."""
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        if keep:
            target = f"{target.split('?')[0]}?{urlencode(keep)}"
        return redirect(target)
    return redirect(default)


def _line_form(request) -> dict | None:
    form = LineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an item and a whole-number quantity."))
        return None
    return form.cleaned_data


def _apply(request, action, success: str | None = None):
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if success:
            messages.success(request, success)
    return _back(request)


def _line_action(request, action, success: str | None = None):
    """Validate the posted line, then run ``action(key, sku_id, quantity)`` on the cart."""
    data = _line_form(request)
    if data is None:
        return _back(request)
    key = cart_key_for_request(request, create=True)
    return _apply(request, lambda: action(key, data["sku"], data["quantity"]), success)


@require_POST
def cart_add(request):
    """Add a line; back on the product page the chosen SKU and quantity stay chosen
    (``?sku=&qty=``, read by the page) and the message says what was added, with the way
    to the cart and to checkout."""
    data = _line_form(request)
    if data is None:
        return _back(request)
    quantity = 1 if data["quantity"] is None else data["quantity"]
    key = cart_key_for_request(request, create=True)
    try:
        services.cart_add(key=key, sku_id=data["sku"], quantity=quantity)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(request, keep={"sku": data["sku"], "qty": quantity})
    sku = Sku.objects.select_related("product").filter(pk=data["sku"]).first()
    if sku is None:  # removed by the merchant a moment after it went into the cart
        messages.success(request, _("Added to your cart."))
        return _back(request, keep={"sku": data["sku"], "qty": quantity})
    item = sku.product.name + (f" ({sku.attributes_label})" if sku.attributes_label else "")
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a> · <a href="{}">{}</a>',
            _("Added to your cart: %(item)s × %(n)d.") % {"item": item, "n": quantity},
            reverse("carts:cart"),
            _("View cart"),
            reverse("orders:checkout"),
            _("Check out"),
        ),
    )
    return _back(request, keep={"sku": data["sku"], "qty": quantity})


@require_POST
def cart_update(request):
    return _line_action(
        request,
        lambda key, sku, qty: services.cart_set_quantity(
            key=key, sku_id=sku, quantity=0 if qty is None else qty
        ),
    )


@require_POST
def cart_remove(request):
    return _line_action(request, lambda key, sku, qty: services.cart_remove(key=key, sku_ids=[sku]))


@require_POST
def cart_select(request):
    key = cart_key_for_request(request, create=True)
    selected = request.POST.get("selected") == "1"
    sku = request.POST.get("sku")
    sku_id = parse_id(sku) if sku else None
    if sku and sku_id is None:
        messages.error(request, _("Choose an item."))
        return _back(request)
    sku_ids = [sku_id] if sku_id else None
    return _apply(
        request, lambda: services.cart_select(key=key, selected=selected, sku_ids=sku_ids)
    )


@require_POST
def cart_clear(request):
    key = cart_key_for_request(request, create=True)
    return _apply(request, lambda: services.cart_clear(key=key), _("Your cart is empty now."))
