from marketing.services.coupons import (
    AlreadyGiven,
    claim_refusal,
    coupon_claim,
    coupon_hold,
    coupon_template_stop,
    coupon_template_update,
    coupon_window,
    coupons_follow_order,
    shopper_is_new,
)
from marketing.services.issues import coupon_issue_create, coupon_issue_run, coupons_welcome
from marketing.services.points import (
    check_in,
    points_audit,
    points_credit,
    points_expire_due,
    points_expiry,
    points_give_back,
    points_release_due,
    points_spend,
)
from marketing.services.promotions import promotion_save, promotions_changed, promotions_stop

__all__ = [
    "check_in",
    "points_audit",
    "points_credit",
    "points_expire_due",
    "points_expiry",
    "points_give_back",
    "points_release_due",
    "points_spend",
    "AlreadyGiven",
    "claim_refusal",
    "coupon_claim",
    "coupon_hold",
    "coupon_issue_create",
    "coupon_issue_run",
    "coupon_template_stop",
    "coupon_template_update",
    "coupon_window",
    "coupons_follow_order",
    "coupons_welcome",
    "promotion_save",
    "promotions_changed",
    "promotions_stop",
    "shopper_is_new",
]
