"""The stages marketing adds to the price engine: member prices, limited-time prices,
满减/满折, the coupon (``promotions``) and points (``members``)."""

from marketing.pricing.members import (
    member_prepare,
    member_price,
    member_stage,
    points_prepare,
    points_stage,
)
from marketing.pricing.promotions import (
    coupon_prepare,
    coupon_stage,
    coupon_value,
    limited_time_prepare,
    limited_time_stage,
    promotion_stage,
    sale_price,
    threshold_prepare,
)

__all__ = [
    "coupon_prepare",
    "coupon_stage",
    "coupon_value",
    "limited_time_prepare",
    "limited_time_stage",
    "member_prepare",
    "member_price",
    "member_stage",
    "points_prepare",
    "points_stage",
    "promotion_stage",
    "sale_price",
    "threshold_prepare",
]
