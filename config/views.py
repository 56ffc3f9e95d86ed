"""Error handlers (HTML for pages, the API error body under /api/)."""

import sys

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.i18n import set_language

from config.exceptions import error_body
from config.outage import outage_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error_view(status: int, message: str):
    @requires_csrf_token
    def view(request, exception=None):
        if _is_api(request):
            return JsonResponse(error_body(status, message), status=status)
        return render(request, f"{status}.html", status=status)

    return view


bad_request = _error_view(400, _("Bad request."))
permission_denied = _error_view(403, _("Permission denied."))
page_not_found = _error_view(404, _("Not found."))


@requires_csrf_token
def server_error(request):
    # Called inside Django's handler of the exception: a failure outside any view (the
    # session saved after it, with PostgreSQL down) is a 503 too, not a 500.
    outage = outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    if _is_api(request):
        return JsonResponse(error_body(500, _("Server error.")), status=500)
    # No context processors: the failure may be in one of them.
    return HttpResponseServerError(loader.get_template("500.html").render({}))


def language_set(request):
    """Django's set_language (the cookie, then back to ``next``); a signed-in shopper's
    choice is also kept on their account, so emails and messages follow it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and request.user.language != language
    ):
        from accounts.services import user_language_set

        user_language_set(user=request.user, language=language)
    return response
