"""Carriers a merchant ships with, and where a shopper can track a parcel.

Orders store the carrier's code ("SF"); an "other" carrier is stored by the name the
merchant typed. Tracking links go to kuaidi100, which tracks every listed carrier by its
own company code.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

OTHER = "other"
# code -> (label, kuaidi100 company code)
CARRIERS = {
    "SF": (_("SF Express"), "shunfeng"),
    "JD": (_("JD Logistics"), "jd"),
    "ZTO": (_("ZTO Express"), "zhongtong"),
    "YTO": (_("YTO Express"), "yuantong"),
    "STO": (_("STO Express"), "shentong"),
    "YUNDA": (_("Yunda Express"), "yunda"),
    "EMS": (_("China Post EMS"), "ems"),
}
TRACKING_URL = "https://www.kuaidi100.com/chaxun"


def carrier_choices() -> list[tuple[str, str]]:
    return [*((code, label) for code, (label, _c) in CARRIERS.items()), (OTHER, _("Other"))]


def carrier_label(carrier: str) -> str:
    """The carrier's name to show (a stored code's label, or the name typed for "other")."""
    entry = CARRIERS.get(carrier)
    return str(entry[0]) if entry else carrier


def tracking_url(carrier: str, tracking_no: str) -> str | None:
    entry = CARRIERS.get(carrier)
    if entry is None or not tracking_no:
        return None
    return f"{TRACKING_URL}?{urlencode({'com': entry[1], 'nu': tracking_no})}"
