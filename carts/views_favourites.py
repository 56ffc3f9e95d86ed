"""Favourite pages (thin): the product page's button and count, favouriting and
unfavouriting (a POST, back to where it came from), my favourites with what changed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carts import favourites
from config.exceptions import ApplicationError


def favourite_extras(*, user, product: dict) -> dict:
    """catalog.hooks.product_extras: the favourite button (this shopper's state) and how
    many keep the product (one indexed read)."""
    count, on = favourites.favourite_state(user=user, product_id=product["id"])
    html = render_to_string(
        "carts/_favourite_button.html", {"product": product, "on": on, "count": count}
    )
    return {"blocks": [html]}


@require_POST
def favourite_toggle(request, product_id: int):
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("carts:favourites")
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    try:
        if request.POST.get("on") == "1":
            favourites.favourite_add(user=request.user, product_id=product_id)
            messages.success(request, _("Added to your favourites."))
        else:
            favourites.favourite_remove(user=request.user, product_id=product_id)
            messages.success(request, _("Removed from your favourites."))
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect(back)


@login_required
def my_favourites(request):
    page = Paginator(favourites.favourites_of(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "carts/favourites.html", {"page": page})
