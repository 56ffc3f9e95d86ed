"""Spec axes as a merchant types them, with a Chinese input method or without:

    颜色：曜石黑，月光银，远峰蓝
    存储: 128GB, 256GB

one axis a line, its name before the first colon (： or :), its values split by commas
(，, 、 ; ；). And JSON typed with full-width punctuation (“颜色”：“黑色”，) read as JSON.
Written here because no library reads this shorthand; the result is the spec that
catalog.services.spec_normalize checks.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_COLON = re.compile(r"[:：]")
_COMMA = re.compile(r"[,，、;；]")
# What an input method types in place of JSON's punctuation.
_FULL_WIDTH = str.maketrans(
    {"“": '"', "”": '"', "‘": '"', "’": '"', "：": ":", "，": ",", "｛": "{", "｝": "}",
     "［": "[", "］": "]", "【": "[", "】": "]", "\u3000": " "}
)  # fmt: skip


def spec_from_text(text: str) -> list[dict]:
    """The spec of the lines; ValidationError naming the line that is not "name: values"."""
    spec = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        colon = _COLON.search(line)
        name = line[: colon.start()] if colon else line
        values = line[colon.end() :] if colon else ""
        values = [v.strip() for v in _COMMA.split(values) if v.strip()]
        if not colon or not name.strip() or not values:
            raise ValidationError(
                _("Line %(n)d: write the axis, a colon and its values, e.g. 颜色：黑色，白色.")
                % {"n": number}
            )
        spec.append({"name": name.strip(), "values": values})
    return spec


def spec_to_text(spec: list[dict]) -> str:
    return "\n".join(f"{axis['name']}：{'，'.join(axis['values'])}" for axis in spec or [])


def json_lenient(text: str):
    """JSON, or JSON typed with full-width quotes, colons, commas and brackets."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return json.loads(str(text).translate(_FULL_WIDTH))


class LenientJSONField(forms.JSONField):
    """JSON, also as a Chinese input method types it (“颜色”：“黑色”)."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        try:
            return json_lenient(value)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
