"""Checkout and order pages (thin): the same services as the API."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.forms import AddressForm
from accounts.selectors import address_list_for_user
from accounts.views import address_form_posted, address_form_save
from carts.pricing import ALL_POINTS, AUTO
from config.dates import local_time
from config.exceptions import ApplicationError
from config.parsing import parse_amount, parse_coordinate, parse_id, parse_slot
from delivery.selectors import local_area_for, pickup_points_near, slots_offered
from orders import notes, selectors, services
from orders.errors import OrderNotFound, PriceChanged
from orders.hooks import order_list_links, order_panels, payment_info, payment_info_many
from orders.models import ActorType, Message

TAB_LABELS = [
    ("all", gettext_lazy("All")),
    ("to_pay", gettext_lazy("To pay")),
    ("grouping", gettext_lazy("Awaiting group")),
    ("to_ship", gettext_lazy("To ship")),
    ("to_receive", gettext_lazy("To receive")),
    ("completed", gettext_lazy("Completed")),
    ("cancelled", gettext_lazy("Cancelled")),
    ("after_sales", gettext_lazy("Refunds")),
]


def checkout(request):
    if not request.user.is_authenticated:
        # Say why, and come back here after login; the guest cart joins the account then.
        messages.info(
            request, _("Please log in to check out. Your cart is kept and joins your account.")
        )
        return redirect_to_login(request.get_full_path())
    if request.method == "POST" and {"add_address", "parse", "refill"} & set(request.POST):
        return _checkout_add_address(request)
    if request.method == "POST" and "requote" in request.POST:  # another coupon chosen
        return _checkout_review(request)
    if request.method == "POST":
        return _checkout_submit(request)
    return _checkout_review(request)


def _checkout_add_address(request):
    """The new-address form on checkout: errors stay on checkout, beside their fields."""
    form, save = address_form_posted(request)
    if not save:
        return _checkout_review(request, address_form=form)
    address = address_form_save(request, form)
    if address is None:
        return _checkout_review(request, status=400, address_form=form)
    return redirect(f"{reverse('orders:checkout')}?address={address.pk}")


def _coupon_choice(value: str):
    """The coupon a form chose: AUTO (the best) when it says nothing, None for "none"."""
    if not value:
        return AUTO
    if value == "none":
        return None
    return parse_id(value) or AUTO


def _points_choice(request):
    """Whether the form ticked "use points": as many as the order may take, else none."""
    return ALL_POINTS if request.POST.get("points") == ALL_POINTS else None


def _checkout_review(
    request, *, status=200, errors=None, address_form=None, coupon=None, points=None
):
    if coupon is None:
        coupon = _coupon_choice(request.POST.get("coupon") or request.GET.get("coupon", ""))
    if points is None:
        points = _points_choice(request)
    addresses = list(address_list_for_user(user=request.user))
    chosen = (
        request.POST.get("address")
        or request.GET.get("address")
        or next((str(a.pk) for a in addresses if a.is_default and a.region_confirmed), "")
    )
    # Shipping is priced for the chosen address (its region's rule); none: an estimate.
    ship_to = next((a for a in addresses if str(a.pk) == chosen and a.region_confirmed), None)
    delivery = _delivery_choice(request, ship_to)
    try:
        try:
            cart = services.checkout_lines(
                user=request.user,
                coupon=coupon,
                points=points,
                address=ship_to,
                pickup=delivery["point"],
                local=delivery["local"],
            )
        except ApplicationError as exc:
            if coupon in (AUTO, None) or not exc.errors.get("coupon_id"):
                raise
            messages.error(request, exc.message)  # that coupon does not apply: the best does
            cart = services.checkout_lines(
                user=request.user,
                points=points,
                address=ship_to,
                pickup=delivery["point"],
                local=delivery["local"],
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("carts:cart")
    return render(
        request,
        "orders/checkout.html",
        {
            "cart": cart,
            "addresses": addresses,
            "chosen_address": chosen,
            "remark": request.POST.get("remark", ""),
            "token": secrets.token_urlsafe(16),
            "address_form": address_form or AddressForm(initial={"is_default": not addresses}),
            "errors": errors or {},
            "delivery": delivery,
        },
        status=status,
    )


def _delivery_choice(request, ship_to) -> dict:
    """Shipped, delivered by the shop in a slot (where the address lies in a local area),
    or collected at a pickup point (nearest first: by the browser's location when the
    shopper shared it, else by the address's region) in a slot with places left."""
    data = request.POST or request.GET
    points = pickup_points_near(
        region_code=ship_to.region_code if ship_to else "",
        lat=parse_coordinate(data.get("lat", ""), 90),
        lng=parse_coordinate(data.get("lng", ""), 180),
    )
    local_offered = local_area_for(ship_to.region_code) if ship_to else None
    method = data.get("delivery", "")
    point = local = None
    if method == "pickup" and points:
        chosen = parse_id(data.get("pickup_point", ""))
        point = next((p for p in points if p.pk == chosen), points[0])
    elif method == "local" and local_offered is not None:
        local = local_offered
    else:
        method = "express"
    slot_id, slot_date = parse_slot(data.get("slot", ""))
    slots = slots_offered(point=point) if point else (slots_offered() if local else [])
    for day in slots:
        for slot in day["slots"]:
            slot["value"] = f"{day['date']:%Y-%m-%d}:{slot['id']}"
    return {
        "method": method,
        "points": points,
        "point": point,
        "local": local,
        "local_offered": local_offered,
        "slots": slots,
        "slot": f"{slot_date:%Y-%m-%d}:{slot_id}" if slot_id else "",
        "lat": data.get("lat", "")[:12],
        "lng": data.get("lng", "")[:12],
    }


def _checkout_submit(request):
    token = request.POST.get("token", "")
    expected = parse_amount(request.POST.get("expected_total", ""))
    address_id = parse_id(request.POST.get("address", ""))
    if address_id is None:
        return _checkout_review(
            request, status=400, errors={"address": [_("Choose a delivery address.")]}
        )
    if expected is None:
        messages.error(request, _("The form was damaged. Please review your order again."))
        return _checkout_review(request, status=400)
    if not token or len(token) > 64:
        messages.error(request, _("The form expired. Please review your order again."))
        return redirect("orders:checkout")
    try:
        order, _created = services.order_create_from_cart(
            user=request.user,
            address_id=address_id,
            remark=request.POST.get("remark", ""),
            idempotency_key=f"web:{token}",
            expected_total=expected,
            source="web",
            coupon=_coupon_choice(request.POST.get("coupon", "none")),
            points=_points_choice(request),
            **_pickup_params(request),
        )
    except PriceChanged as exc:
        messages.warning(request, exc.message)
        return _checkout_review(request, status=409)
    except ValidationError as exc:
        return _checkout_review(request, status=400, errors=exc.message_dict)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if exc.errors.get("coupon_id"):  # used or held meanwhile: review with the best left
            return _checkout_review(request, status=409, coupon=AUTO)
        if exc.errors.get("points"):
            # Spent meanwhile (another order, another tab): review again with what is left.
            return _checkout_review(request, status=409)
        return redirect("carts:cart")
    messages.success(
        request,
        _("Order %(no)s placed. Please pay before %(deadline)s.")
        % {
            "no": order.order_no,
            "deadline": local_time(order.pay_deadline),
        },
    )
    return redirect(order)


def _pickup_params(request) -> dict:
    method = request.POST.get("delivery")
    if method not in ("pickup", "local"):
        return {}
    slot_id, slot_date = parse_slot(request.POST.get("slot", ""))
    chosen = {"slot_id": slot_id, "slot_date": slot_date}
    if method == "local":
        return {"local_delivery": True, **chosen}
    # An unknown point is refused by the service (not a silent delivery instead).
    return {"pickup_point_id": parse_id(request.POST.get("pickup_point", "")) or 0, **chosen}


@login_required
def order_list(request):
    tab = request.GET.get("tab", "all")
    if tab not in selectors.TABS:
        tab = "all"
    paginator = Paginator(selectors.order_list_for_user(user=request.user, tab=tab), 10)
    page = paginator.get_page(request.GET.get("page"))
    paid = payment_info_many(order_ids=[order.pk for order in page])
    for order in page:
        order.payment = paid.get(order.pk, {})
    return render(
        request,
        "orders/order_list.html",
        {
            "page": page,
            "tab": tab,
            "tabs": TAB_LABELS,
            "links": order_list_links(user=request.user),
        },
    )


def safe_next(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _get_order(request, order_no):
    try:
        return selectors.order_get_for_user(user=request.user, order_no=order_no)
    except OrderNotFound as exc:
        raise Http404 from exc


@login_required
def order_detail(request, order_no):
    # Read only: an order past its deadline is closed by the sweep (beat, or the embedded
    # scheduler) within a minute; until then the page offers no "pay" (see order_actions).
    order = _get_order(request, order_no)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "addresses": (
                list(address_list_for_user(user=request.user))
                if selectors.order_address_editable(order)
                else None
            ),
            "panels": order_panels(request=request, order=order),
            "actions": selectors.order_actions(order),
            "seconds_left": max(0, int((order.pay_deadline - timezone.now()).total_seconds())),
            "payment": payment_info(order_id=order.pk),
        },
    )


def _order_action(request, order_no, action, done: str):
    order = _get_order(request, order_no)
    try:
        action(order)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(order)


@login_required
@require_POST
def order_cancel(request, order_no):
    reason = request.POST.get("reason", "").strip()[:200]
    return _order_action(
        request,
        order_no,
        lambda o: services.order_cancel(
            order_id=o.pk,
            actor=request.user,
            actor_type=ActorType.SHOPPER,
            reason=reason,
            reason_key="" if reason else notes.CANCELLED_BY_SHOPPER,
        ),
        _("The order was cancelled."),
    )


@login_required
@require_POST
def order_address(request, order_no):
    """Choose where an unpaid order ships (a flash-sale order is made before that)."""
    order = _get_order(request, order_no)
    try:
        services.order_set_address(
            order_id=order.pk,
            user=request.user,
            address_id=parse_id(request.POST.get("address", "")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The order ships to the chosen address."))
    return redirect(safe_next(request) or order.get_absolute_url())


@login_required
@require_POST
def order_confirm(request, order_no):
    return _order_action(
        request,
        order_no,
        lambda o: services.order_confirm_receipt(order_id=o.pk, user=request.user),
        _("Thanks! The order is complete."),
    )


@login_required
@require_POST
def order_buy_again(request, order_no):
    """再次购买: the order's lines into the cart, and the cart shown (those no longer sold
    named in a message)."""
    order = _get_order(request, order_no)
    outcome = services.order_buy_again(user=request.user, order=order)
    if outcome.missing:
        messages.warning(
            request,
            _("No longer sold or out of stock: %(items)s.") % {"items": "、".join(outcome.missing)},
        )
    if outcome.added:
        messages.success(
            request,
            ngettext(
                "%(n)d item is in your cart at today's price.",
                "%(n)d items are in your cart at today's prices.",
                len(outcome.added),
            )
            % {"n": len(outcome.added)},
        )
        return redirect("carts:cart")
    return redirect(order)


@login_required
def message_list(request):
    """Messages, unread ones marked; reading them is a POST (a GET never writes)."""
    page = Paginator(
        Message.objects.filter(user=request.user).select_related("order"), 20
    ).get_page(request.GET.get("page"))
    unread = {m.pk for m in page if m.read_at is None}
    return render(request, "orders/message_list.html", {"page": page, "unread": unread})


@login_required
@require_POST
def message_read(request, message_id):
    """One message opened (the page posts when the shopper opens it): read from now on.
    Someone else's message is not found."""
    if not Message.objects.filter(pk=message_id, user=request.user).exists():
        raise Http404
    Message.objects.filter(pk=message_id, read_at=None).update(read_at=timezone.now())
    selectors.message_unread_forget(user_id=request.user.pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"unread": selectors.message_unread_count(user=request.user)})
    return redirect("orders:messages")


@login_required
@require_POST
def message_mark_read(request):
    Message.objects.filter(user=request.user, read_at=None).update(read_at=timezone.now())
    selectors.message_unread_forget(user_id=request.user.pk)
    return redirect("orders:messages")
