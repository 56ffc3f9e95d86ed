"""Checkout and order pages (thin): the same services as the API."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import AddressForm
from accounts.selectors import address_list_for_user
from accounts.views import address_form_save
from config.dates import local_time
from config.exceptions import ApplicationError
from config.parsing import parse_amount, parse_id
from orders import selectors, services
from orders.errors import OrderNotFound, PriceChanged
from orders.forms import AfterSaleForm, CarrierForm
from orders.hooks import payment_info, payment_info_many
from orders.models import OPEN_STATUSES, ActorType, AfterSaleKind, Message

TAB_LABELS = [
    ("all", gettext_lazy("All")),
    ("to_pay", gettext_lazy("To pay")),
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
    if request.method == "POST" and "add_address" in request.POST:
        return _checkout_add_address(request)
    if request.method == "POST":
        return _checkout_submit(request)
    return _checkout_review(request)


def _checkout_add_address(request):
    """The new-address form on checkout: errors stay on checkout, beside their fields."""
    form = AddressForm(request.POST)
    address = address_form_save(request, form)
    if address is None:
        return _checkout_review(request, status=400, address_form=form)
    return redirect(f"{reverse('orders:checkout')}?address={address.pk}")


def _checkout_review(request, *, status=200, errors=None, address_form=None):
    try:
        cart = services.checkout_lines(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("carts:cart")
    addresses = list(address_list_for_user(user=request.user))
    chosen = (
        request.POST.get("address")
        or request.GET.get("address")
        or next((str(a.pk) for a in addresses if a.is_default), "")
    )
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
        },
        status=status,
    )


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
        )
    except PriceChanged as exc:
        messages.warning(request, exc.message)
        return _checkout_review(request, status=409)
    except ValidationError as exc:
        return _checkout_review(request, status=400, errors=exc.message_dict)
    except ApplicationError as exc:
        messages.error(request, exc.message)
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
    return render(request, "orders/order_list.html", {"page": page, "tab": tab, "tabs": TAB_LABELS})


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
    aftersales = list(
        order.aftersales.select_related("reason").prefetch_related(
            "events", "photos", "items__order_item"
        )
    )
    can_ask = not any(a.is_open for a in aftersales) and services.aftersale_kind_allowed(order)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "aftersales": aftersales,
            "aftersale_kind": can_ask or None,
            "return_form": CarrierForm(),
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
    reason = request.POST.get("reason", "").strip()[:200] or _("Cancelled by the shopper")
    return _order_action(
        request,
        order_no,
        lambda o: services.order_cancel(
            order_id=o.pk, actor=request.user, actor_type=ActorType.SHOPPER, reason=reason
        ),
        _("The order was cancelled."),
    )


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
def message_list(request):
    """Messages, unread ones marked; reading them is a POST (a GET never writes)."""
    page = Paginator(
        Message.objects.filter(user=request.user).select_related("order"), 20
    ).get_page(request.GET.get("page"))
    unread = {m.pk for m in page if m.read_at is None}
    return render(request, "orders/message_list.html", {"page": page, "unread": unread})


@login_required
@require_POST
def message_mark_read(request):
    Message.objects.filter(user=request.user, read_at=None).update(read_at=timezone.now())
    selectors.message_unread_forget(user_id=request.user.pk)
    return redirect("orders:messages")


# --- After-sales -------------------------------------------------------------------------------


@login_required
def aftersale_new(request, order_no):
    """Ask for a refund (before shipping) or a return (after it): reason, amount, note,
    photos, and for a return the items and how many."""
    order = _get_order(request, order_no)
    kind = services.aftersale_kind_allowed(order)
    if kind is None or order.aftersales.filter(status__in=OPEN_STATUSES).exists():
        messages.error(request, _("This order cannot take an after-sales request now."))
        return redirect(order)
    left = order.total_amount - order.refunded_amount
    form = AfterSaleForm(
        request.POST or None, request.FILES or None, kind=kind, order=order, left=left
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.aftersale_request_create(
                user=request.user,
                order_no=order.order_no,
                kind=kind,
                reason_id=form.cleaned_data["reason"].pk,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                items=form.items(),
                photos=form.cleaned_data["photos"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent. The merchant will answer soon."))
            return redirect(order)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "orders/aftersale_form.html",
        {"order": order, "form": form, "kind": kind, "kind_label": AfterSaleKind(kind).label},
        status=status,
    )


def _form_errors(form, exc: ApplicationError) -> None:
    """A service's field errors beside their fields (items go above the item list)."""
    if not exc.errors:
        form.add_error(None, exc.message)
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _aftersale_step(request, order_no, request_no, step, done):
    order = _get_order(request, order_no)
    if not order.aftersales.filter(request_no=request_no).exists():
        raise Http404
    try:
        step()
    except ApplicationError as exc:
        detail = " ".join(m for msgs in exc.errors.values() for m in msgs)
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(request, done)
    return redirect(order)


@login_required
@require_POST
def aftersale_withdraw(request, order_no, request_no):
    return _aftersale_step(
        request,
        order_no,
        request_no,
        lambda: services.aftersale_withdraw(request_no=request_no, user=request.user),
        _("Your request was withdrawn."),
    )


@login_required
@require_POST
def aftersale_return(request, order_no, request_no):
    """The shopper sent the goods back: the carrier and the tracking number."""
    form = CarrierForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("orders:detail", order_no)
    return _aftersale_step(
        request,
        order_no,
        request_no,
        lambda: services.aftersale_return_shipped(
            request_no=request_no,
            user=request.user,
            carrier=form.carrier_value,
            tracking_no=form.cleaned_data["tracking_no"],
        ),
        _("Thanks! The merchant will refund you when the goods arrive."),
    )
