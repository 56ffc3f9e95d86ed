"""The merchant admin of marketing: promotions and coupons, points and members."""

from marketing.admin import groupbuy, members, promotions  # noqa: F401 - each registers its admins
