from marketing.models.coupons import (
    CouponDay,
    CouponIssue,
    CouponIssueStatus,
    CouponKind,
    CouponSource,
    CouponStatus,
    CouponTemplate,
    UserCoupon,
)
from marketing.models.points import (
    CheckIn,
    PointsAccount,
    PointsBatch,
    PointsBatchStatus,
    PointsEntry,
    PointsReason,
)
from marketing.models.promotions import (
    Promotion,
    PromotionItem,
    PromotionKind,
    PromotionTier,
    Scope,
    ThresholdKind,
)

__all__ = [
    "CheckIn",
    "PointsAccount",
    "PointsBatch",
    "PointsBatchStatus",
    "PointsEntry",
    "PointsReason",
    "CouponDay",
    "CouponIssue",
    "CouponIssueStatus",
    "CouponKind",
    "CouponSource",
    "CouponStatus",
    "CouponTemplate",
    "Promotion",
    "PromotionItem",
    "PromotionKind",
    "PromotionTier",
    "Scope",
    "ThresholdKind",
    "UserCoupon",
]
