"""After-sales pages (thin): the request form, withdrawing, the parcel sent back, and the
panel the order page shows (registered with orders.hooks, which never imports payments)."""

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from orders.errors import OrderNotFound
from orders.forms import CarrierForm
from orders.selectors import order_get_for_user
from payments import services
from payments.forms import AfterSaleForm
from payments.models import OPEN_STATUSES, AfterSaleKind, AfterSalePhoto
from payments.storage import is_local


def _get_order(request, order_no):
    try:
        return order_get_for_user(user=request.user, order_no=order_no)
    except OrderNotFound as exc:
        raise Http404 from exc


def aftersale_panel(*, request, order) -> str:
    """The order page's after-sales part: the button to ask (when the order may take a
    request and none is open), and each request with its timeline and next step."""
    aftersales = list(
        order.aftersales.select_related("reason").prefetch_related(
            "events", "photos", "items__order_item"
        )
    )
    can_ask = not any(a.is_open for a in aftersales) and services.aftersale_kind_allowed(order)
    return render_to_string(
        "payments/_aftersale_panel.html",
        {
            "order": order,
            "aftersales": aftersales,
            "aftersale_kind": can_ask or None,
            "return_form": CarrierForm(),
        },
        request=request,
    )


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
        "payments/aftersale_form.html",
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


def _viewer(request):
    """The session's user, or the API's (a mini-program downloads the photo with its JWT)."""
    if request.user.is_authenticated:
        return request.user
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication

    try:
        found = JWTAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def aftersale_photo(request, photo_id: int):
    """A refund photo, to the order's shopper or to staff who may see after-sales requests;
    not found for anyone else. How the file is handed out: payments.storage."""
    user = _viewer(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    photo = (
        AfterSalePhoto.objects.select_related("request").filter(pk=photo_id).first()
        if photo_id <= 2**31 - 1
        else None
    )
    allowed = photo is not None and (
        photo.request.user_id == user.pk or user.has_perm("payments.view_aftersalerequest")
    )
    if not allowed:
        raise Http404
    storage, name = photo.image.storage, photo.image.name
    if not is_local(storage):
        return HttpResponseRedirect(storage.url(name))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_URL + name
    else:
        try:
            response = FileResponse(storage.open(name), content_type=content_type)
        except FileNotFoundError as exc:
            raise Http404 from exc
    response["Cache-Control"] = "private, max-age=300"
    return response
