"""Review pages (thin): the product page's summary and newest reviews, a product's reviews
with filters, the review form for a received line, my reviews and the lines to review
(待评价), and the order page's review buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product, ProductStatus
from config.exceptions import ApplicationError
from orders.models import OrderItem, OrderStatus
from reviews import selectors, services

FILTER_LABELS = [
    ("all", gettext_lazy("All")),
    ("photos", gettext_lazy("With photos")),
    ("good", gettext_lazy("Good")),
    ("medium", gettext_lazy("Medium")),
    ("bad", gettext_lazy("Bad")),
]
SHOWN_ON_PRODUCT = 2


def reviews_extras(*, user, product: dict) -> dict:
    """catalog.hooks.product_extras: the summary, and the newest reviews when it has any."""
    summary = selectors.rating_summary(product_id=product["id"])
    latest = (
        list(selectors.product_reviews(product_id=product["id"])[:SHOWN_ON_PRODUCT])
        if summary["count"]
        else []
    )
    html = render_to_string(
        "reviews/_product_reviews.html",
        {"summary": summary, "reviews": latest, "product_id": product["id"]},
    )
    return {"below": [html]}


def product_reviews(request, product_id: int):
    product = Product.objects.filter(pk=product_id, status=ProductStatus.ON_SALE).first()
    if product is None:
        raise Http404
    chosen = request.GET.get("filter", "all")
    if chosen not in selectors.FILTERS:
        chosen = "all"
    page = Paginator(selectors.product_reviews(product_id=product.pk, filter=chosen), 10).get_page(
        request.GET.get("page")
    )
    summary = selectors.rating_summary(product_id=product.pk)
    return render(
        request,
        "reviews/product_reviews.html",
        {
            "product": product,
            "page": page,
            "filter": chosen,
            "filters": [(k, label, summary["counts"][k]) for k, label in FILTER_LABELS],
            "summary": summary,
        },
    )


@login_required
def review_new(request, item_id: int):
    item = (
        OrderItem.objects.select_related("order")
        .filter(pk=item_id, order__user=request.user)
        .first()
    )
    if item is None:
        raise Http404
    errors: dict = {}
    if request.method == "POST":
        try:
            services.review_create(
                user=request.user,
                order_item_id=item.pk,
                rating=request.POST.get("rating", ""),
                text=request.POST.get("text", ""),
                anonymous=request.POST.get("anonymous") == "on",
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("reviews:mine")
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("reviews:mine")
    return render(
        request,
        "reviews/review_form.html",
        {"item": item, "errors": errors, "stars": range(5, 0, -1)},
    )


@login_required
def my_reviews(request):
    tab = request.GET.get("tab", "to_review")
    if tab == "reviewed":
        rows = selectors.reviews_of_user(user=request.user)
    else:
        tab, rows = "to_review", selectors.lines_to_review(user=request.user)
    page = Paginator(rows, 10).get_page(request.GET.get("page"))
    return render(request, "reviews/my_reviews.html", {"page": page, "tab": tab})


@login_required
def review_follow_up(request, review_id: int):
    if selectors.review_get_for_user(user=request.user, review_id=review_id) is None:
        raise Http404
    if request.method != "POST":
        return redirect(reverse("reviews:mine") + "?tab=reviewed")
    try:
        services.review_follow_up(
            user=request.user,
            review_id=review_id,
            text=request.POST.get("text", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your follow-up is added."))
    return redirect(reverse("reviews:mine") + "?tab=reviewed")


def order_list_link(*, user) -> tuple:
    """orders.hooks: 待评价 beside My orders' tabs, with how many lines wait."""
    count = selectors.lines_to_review(user=user).count()
    return (_("To review"), reverse("reviews:mine"), count or None)


def order_review_panel(*, request, order) -> str:
    """orders.hooks: a received order's page offers to review each line not reviewed."""
    if order.status != OrderStatus.COMPLETED:
        return ""
    waiting = list(selectors.lines_to_review(user=request.user).filter(order=order))
    if not waiting:
        return ""
    return render_to_string("reviews/_order_panel.html", {"items": waiting}, request=request)
