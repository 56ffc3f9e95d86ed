"""The API's JSON: HTML's special characters written as JSON escapes (<, >, & as \\u003c,
\\u003e, \\u0026), so a review's ``<script>`` never stands in a response as markup, even
for a client that drops the body into a page or a browser that sniffs it; parsed, the
values are the same text (Django's json_script does the same for pages)."""

from rest_framework.renderers import JSONRenderer

_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))


class SafeJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        body = super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _ESCAPES:
            body = body.replace(raw, escaped)
        return body
