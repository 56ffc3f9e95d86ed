"""China's administrative divisions, province › city › district, with their codes; and
addresses pasted as one line, split into receiver, phone, region and street.

The divisions ship with the project (``divisions.json``, built from jionlp's table by
``python -m accounts.regions.build``; the README names its source and date). An address
holds the code of its district; the names are the table's. Freight rules name provinces
or cities, and a district's province is the first two digits of its code.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("divisions.json")

PROVINCE, CITY, DISTRICT = 1, 2, 3


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    alias: str  # 浙江 for 浙江省, 杭州 for 杭州市
    level: int
    parent: str  # the parent's code, "" for a province

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@dataclass(frozen=True)
class _Table:
    by_code: dict[str, Region]
    children: dict[str, tuple[Region, ...]]
    source: str


@lru_cache(maxsize=1)
def _table() -> _Table:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    by_code: dict[str, Region] = {}
    children: dict[str, list[Region]] = {"": []}

    def add(code, name, alias, level, parent):
        region = Region(code, name, alias or name, level, parent)
        by_code[code] = region
        children.setdefault(parent, []).append(region)
        children.setdefault(code, [])

    for pcode, pname, palias, cities in data["provinces"]:
        add(pcode, pname, palias, PROVINCE, "")
        for ccode, cname, calias, districts in cities:
            add(ccode, cname, calias, CITY, pcode)
            for dcode, dname, dalias in districts:
                add(dcode, dname, dalias, DISTRICT, ccode)
    return _Table(by_code, {k: tuple(v) for k, v in children.items()}, data["source"])


def source() -> str:
    return _table().source


def region(code) -> Region | None:
    """The region of a code (any level), None for anything else."""
    return _table().by_code.get(code) if isinstance(code, str) else None


def district(code) -> Region | None:
    """The district of a code, None when the code is no district's."""
    found = region(code)
    return found if found is not None and found.level == DISTRICT else None


def children(code: str = "") -> tuple[Region, ...]:
    """The provinces (no code), a province's cities or a city's districts."""
    return _table().children.get(code or "", ())


def lineage(code) -> tuple[Region, ...]:
    """The province, city and district of a district's code (fewer for a city or a
    province); () for an unknown code."""
    found = region(code)
    chain: list[Region] = []
    while found is not None:
        chain.append(found)
        found = region(found.parent) if found.parent else None
    return tuple(reversed(chain))


def place_name(code, *, levels: slice = slice(None)) -> str:
    """The names of a code's province, city and district run together (浙江省杭州市西湖区), or
    the ``levels`` of them asked for."""
    return "".join(r.name for r in lineage(code)[levels])


def _clean(name) -> str:
    return re.sub(r"\s+", "", name or "")


def _find(name: str, among) -> Region | None:
    """The region among ``among`` called ``name``: its full name, or its short one."""
    if not name:
        return None
    for r in among:
        if name == r.name:
            return r
    for r in among:
        if name == r.alias or (len(name) >= 2 and r.name.startswith(name)):
            return r
    return None


def match(province: str, city: str = "", district_name: str = "") -> Region | None:
    """The district named by three names as people write them (浙江 / 杭州市 / 西湖区), None
    when they do not name exactly one. A city with one district (东莞) needs no district
    name; a county under its province directly (仙桃) may come as the city or the district."""
    province, city, district_name = _clean(province), _clean(city), _clean(district_name)
    p = _find(province, children())
    if p is None:
        return None
    cities = children(p.code)
    c = _find(city, cities)
    if c is None and len(cities) == 1:
        c = cities[0]  # 上海市 / 浦东新区: the municipality's one city
    if c is None:
        c = _find(district_name, cities)  # 湖北省 / 省直辖县级行政区划 / 仙桃市
    if c is None:
        candidates = [d for ct in cities for d in children(ct.code) if _find(district_name, [d])]
        return candidates[0] if len(candidates) == 1 else None
    districts = children(c.code)
    d = _find(district_name, districts)
    if d is None and len(districts) == 1 and district_name in ("", c.name, c.alias):
        d = districts[0]
    return d


# --- a pasted address -----------------------------------------------------------------------

_LABELS = re.compile(
    r"(收货人|收件人|联系人|姓名|手机号码|手机号|手机|联系电话|电话|所在地区|详细地址|收货地址|地址)"
    r"\s*[:：]?"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(1[3-9]\d(?:[-\s]?\d){8})(?!\d)")
_SEPARATORS = re.compile(r"[\s,，;；、|/]+")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
# Words that end a place or a street, not a person's name.
_PLACE_ENDS = tuple("省市区县镇乡村路街道巷弄号楼栋室苑园城里湾桥港站")


@dataclass(frozen=True)
class Parsed:
    receiver: str
    phone: str
    region_code: str  # "" when the line names no district the table knows
    province: str
    city: str
    district: str
    detail: str


def _jionlp():
    """jionlp, imported on first use: it loads its tables (about 70 MB) and prints a banner
    on import, which a web worker that never parses an address is spared."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    return jionlp


def parse(text: str) -> Parsed:
    """Split a pasted line ("浙江省杭州市西湖区文三路 90 号 张三 13800138000", in any order,
    with or without labels such as 收货人：) into its parts.

    The place comes from jionlp's ``parse_location`` (it knows short names, missing
    provinces and old names: 杭州西湖区 → 浙江省杭州市西湖区), matched to the shop's table.
    Receiver and phone are the shop's own: jionlp finds phones but not names, and a Chinese
    name is simply the short all-Han token that is not a place.
    """
    text = (text or "").replace("\x00", "")[:300]
    text = _LABELS.sub(" ", text)
    phone = ""
    found = _MOBILE.search(text)
    if found:
        phone = re.sub(r"\D", "", found.group(1))
        text = text[: found.start()] + " " + text[found.end() :]
    tokens = [t for t in _SEPARATORS.split(text) if t]
    receiver = ""
    for i, token in enumerate(tokens):
        if _NAME.match(token) and not token.endswith(_PLACE_ENDS) and not _is_place(token):
            receiver = tokens.pop(i)
            break
    place = " ".join(tokens)
    parsed = _jionlp().parse_location(place, town_village=False, change2new=True) if place else {}
    found_region = match(
        parsed.get("province") or "", parsed.get("city") or "", parsed.get("county") or ""
    )
    names = [r.name for r in lineage(found_region.code)] if found_region else ["", "", ""]
    detail = (parsed.get("detail") or "").strip() if found_region else place
    return Parsed(
        receiver=receiver,
        phone=phone,
        region_code=found_region.code if found_region else "",
        province=names[0],
        city=names[1],
        district=names[2],
        detail=re.sub(r"\s+", " ", detail)[:200],
    )


def _is_place(token: str) -> bool:
    return token in _place_names()


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    return frozenset(n for r in _table().by_code.values() for n in (r.name, r.alias))
