"""Shopper pages (thin): the coupon centre (领券中心), my coupons (我的优惠券), my points
(我的积分), check-in (签到) and my level (会员等级)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from marketing import selectors, services, texts

TABS = [
    ("unused", gettext_lazy("Unused")),
    ("used", gettext_lazy("Used")),
    ("expired", gettext_lazy("Expired")),
]


def coupon_centre(request):
    rows = selectors.coupon_centre(user=request.user)
    for row in rows:
        row["terms"] = texts.template_terms(row["template"])
        row["face"] = texts.coupon_value_text(row["template"])
        row["scope"] = texts.scope_text(row["template"])
    return render(request, "marketing/coupon_centre.html", {"rows": rows})


@require_POST
def coupon_claim(request, template_id: int):
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("marketing:centre")
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    try:
        services.coupon_claim(user=request.user, template_id=template_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Coupon claimed. It is in My coupons."))
    return redirect(back)


@login_required
def my_coupons(request):
    tab = request.GET.get("tab", "unused")
    if tab not in selectors.MY_TABS:
        tab = "unused"
    page = Paginator(selectors.coupon_list_for_user(user=request.user, tab=tab), 20).get_page(
        request.GET.get("page")
    )
    for coupon in page:
        coupon.terms = texts.template_terms(coupon.template)
        coupon.face = texts.coupon_value_text(coupon.template)
        coupon.scope = texts.scope_text(coupon.template)
    return render(request, "marketing/my_coupons.html", {"page": page, "tab": tab, "tabs": TABS})


# --- points, check-in, level (我的积分, 签到, 会员等级) ------------------------------------------


def _calendar(month: dict) -> list[list[dict]]:
    """The month's weeks, Monday first: each day with whether the shopper checked in."""
    import calendar

    first = month["first"]
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [
        [
            {
                "date": day,
                "in_month": day.month == first.month,
                "points": month["days"].get(day),
                "today": day == month["today"],
            }
            for day in week
        ]
        for week in weeks
    ]


@login_required
def my_points(request):
    page = Paginator(selectors.points_ledger(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "marketing/my_points.html",
        {"summary": selectors.points_summary(request.user), "page": page, "active": "points"},
    )


@login_required
def check_in_page(request):
    if request.method == "POST":
        try:
            row = services.check_in(user=request.user)
        except ApplicationError as exc:
            messages.info(request, exc.message)
        else:
            messages.success(
                request,
                _("Checked in: %(points)s points, day %(streak)s in a row.")
                % {"points": row.points, "streak": row.streak},
            )
        return redirect("marketing:check_in")
    from django.utils.dates import WEEKDAYS_ABBR

    month = selectors.check_in_month(request.user)
    return render(
        request,
        "marketing/check_in.html",
        {
            "month": month,
            "weeks": _calendar(month),
            "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
            "active": "check_in",
        },
    )


@login_required
def my_level(request):
    return render(
        request,
        "marketing/my_level.html",
        {"member": selectors.member_summary(request.user), "active": "level"},
    )
