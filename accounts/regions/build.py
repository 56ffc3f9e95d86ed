"""Build ``divisions.json``, the national administrative divisions the shop ships with, from
the table that jionlp (https://github.com/dongrixinyu/JioNLP) keeps of them:
``python -m accounts.regions.build``.

jionlp's ``china_location.txt`` follows the statistical division codes (统计用区划代码) of the
National Bureau of Statistics with the changes the Ministry of Civil Affairs approved since
(its ``china_location_change.txt`` lists them). The shop keeps three levels (province, city,
district) as the address form and freight rules need them, and makes the table regular:

- a municipality's or a special region's city level carries its own code (上海市 310100);
- counties under a province directly (省直辖县级行政区划: 仙桃, 济源, 石河子 …) become cities
  with themselves as their only district, the way Chinese shops show them;
- a city without districts (东莞, 中山, 儋州 …) has itself as its only district;
- a district without a code of its own (Hong Kong's, Macao's, Taiwan's, a development zone
  sharing its code, the one district of a city without districts) gets the highest free
  code under its city, so every code is unique and no real code is given to another place.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).with_name("divisions.json")
CITY_SELF = {"市辖区", "市直辖行政区划"}
PROVINCE_DIRECT = "省直辖行政区划"


def _rows(path: Path):
    """(depth, name, code, alias) of the province, city and district lines."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth > 2 or not raw.strip():
            continue
        parts = raw.strip().split("\t")
        name = parts[0]
        code = parts[1] if len(parts) > 1 else ""
        alias = parts[2].split("/")[0] if len(parts) > 2 else name
        yield depth, name, code, alias


def _tree(path: Path) -> list[dict]:
    provinces: list[dict] = []
    for depth, name, code, alias in _rows(path):
        node = {"code": code, "name": name, "alias": alias, "children": []}
        if depth == 0:
            provinces.append(node)
        elif depth == 1:
            provinces[-1]["children"].append(node)
        else:
            provinces[-1]["children"][-1]["children"].append(node)
    return provinces


def _regular(provinces: list[dict]) -> list:
    seen: set[str] = set()

    def real(code: str) -> str | None:
        """``code`` when it is a six-digit code not taken yet, else None (one to make up)."""
        if len(code) == 6 and code.isascii() and code.isdigit() and code not in seen:
            seen.add(code)
            return code
        return None

    out = []
    for p in sorted(provinces, key=lambda p: p["code"]):
        cities = []
        for c in p["children"]:
            # Each county under the province directly is a city of its own.
            lifted = c["children"] if c["name"] == PROVINCE_DIRECT else [c]
            for city in lifted:
                own = city["code"] if city["code"] != p["code"] else p["code"][:2] + "0100"
                districts = []
                for d in city.get("children", []):
                    if d["name"] in CITY_SELF:
                        districts.append([None, city["name"], city["alias"]])
                    else:
                        dcode = real(d["code"]) if d["code"] not in (own, city["code"]) else None
                        districts.append([dcode, d["name"], d["alias"]])
                if not districts:
                    districts.append([None, city["name"], city["alias"]])
                cities.append([real(own), city["name"], city["alias"], districts])
        out.append([real(p["code"]), p["name"], p["alias"], cities])

    # Codes to make up: the highest free ones under the parent, so no real code moves,
    # given in the order the places come.
    def made_up(prefix: str, count: int) -> list[str]:
        free = [f"{prefix}{n:02d}" for n in range(99, 0, -1) if f"{prefix}{n:02d}" not in seen]
        if len(free) < count:
            raise ValueError(f"no free code under {prefix}")
        picked = sorted(free[:count])
        seen.update(picked)
        return picked

    for p in out:
        lacking = [c for c in p[3] if c[0] is None]
        for c, code in zip(lacking, made_up(p[0][:2] + "90", len(lacking)), strict=True):
            c[0] = code
        for c in p[3]:
            lacking = [d for d in c[3] if d[0] is None]
            for d, code in zip(lacking, made_up(c[0][:4], len(lacking)), strict=True):
                d[0] = code
            c[3].sort(key=lambda d: d[0])
        p[3].sort(key=lambda c: c[0])
    return out


def main() -> None:
    import importlib.metadata

    import jionlp  # noqa: F401  (only to find its data; it prints a banner)

    path = Path(jionlp.__file__).parent / "dictionary" / "china_location.txt"
    version = importlib.metadata.version("jionlp")
    data = {
        "source": f"jionlp {version}, dictionary/china_location.txt",
        "provinces": _regular(_tree(path)),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    counts = [sum(len(c[3]) for c in p[3]) for p in data["provinces"]]
    print(f"{OUT}: {len(data['provinces'])} provinces, {sum(counts)} districts")


if __name__ == "__main__":
    main()
