"""The translation catalogue, checked and compiled without GNU gettext.

``makemessages`` needs xgettext; a fresh machine may not have it, so the compiled ``.mo`` is
kept in the repository beside its ``.po``, and this module (Babel, no gettext) lets the tests
prove three things on any machine: every string marked in the code or the templates is in
the ``.po``; every entry is translated and not fuzzy; and the ``.mo`` says what the ``.po``
says. ``python -m config.messages compile`` rebuilds the ``.mo`` from the ``.po``.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["zh_Hans"]
APPS = [
    "accounts",
    "catalog",
    "carts",
    "orders",
    "payments",
    "seckill",
    "marketing",
    "config",
    "templates",
]
# Django's marker functions, as makemessages passes them to xgettext.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w+\}")


def po_path(locale: str) -> Path:
    return ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _sources() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            if path.suffix in {".py", ".html", ".txt"}:
                yield path


def _python_messages(code: str) -> Iterator[str | tuple]:
    for _lineno, func, message, _comments in extract_python(
        io.BytesIO(code.encode()), KEYWORDS.keys(), [], {"encoding": "utf-8"}
    ):
        if isinstance(message, tuple):
            # (context, singular, …) for pgettext; (singular, plural) for ngettext
            message = tuple(m for m in message if m is not None)
            if func.startswith(("pgettext", "npgettext")):
                message = message[1:]  # the catalogue keys it by its singular (and context)
            yield message[0] if len(message) == 1 else message
        elif message:
            yield message


def marked_messages() -> dict[str, set[str]]:
    """Every string marked for translation, as makemessages would find it → where."""
    from django.utils.translation.template import templatize

    found: dict[str, set[str]] = {}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            code = text
        else:
            if "{%" not in text:
                continue
            code = templatize(text, origin=str(path))
        for message in _python_messages(code):
            singular = message if isinstance(message, str) else message[-2]
            if isinstance(message, tuple) and len(message) == 2:
                singular = message[0]  # ngettext: (singular, plural)
            found.setdefault(singular, set()).add(str(path.relative_to(ROOT)))
    return found


def problems(locale: str) -> list[str]:
    """What keeps the locale from being complete (see ``catalog_problems``)."""
    return catalog_problems(read_catalog(locale), marked_messages())


def catalog_problems(catalog: Catalog, marked: dict[str, set[str]]) -> list[str]:
    """Marked strings missing from the catalogue, then entries untranslated, fuzzy, or
    whose translation has other placeholders than the original."""
    out = []
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    for message, where in sorted(marked.items()):
        if message not in ids:
            out.append(f"not in the .po: {message!r} ({', '.join(sorted(where))})")
    for m in catalog:
        if not m.id:
            continue
        singular = m.id if isinstance(m.id, str) else m.id[0]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            out.append(f"fuzzy: {singular!r}")
        elif not all(strings):
            out.append(f"untranslated: {singular!r}")
        elif sorted(PLACEHOLDER.findall(singular)) != sorted(PLACEHOLDER.findall(strings[0])):
            out.append(f"placeholders differ: {singular!r} → {strings[0]!r}")
    return out


def compiled(locale: str) -> bytes:
    catalog = read_catalog(locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_all() -> None:
    for locale in LOCALES:
        po_path(locale).with_suffix(".mo").write_bytes(compiled(locale))


if __name__ == "__main__":
    if sys.argv[1:] == ["compile"]:
        compile_all()
    elif sys.argv[1:] == ["check"]:
        import django

        django.setup()
        issues = [p for locale in LOCALES for p in problems(locale)]
        print("\n".join(issues) or "complete")
        sys.exit(1 if issues else 0)
    else:
        sys.exit("usage: python -m config.messages compile|check")
