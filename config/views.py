"""Error handlers (HTML for pages, the API error body under /api/)."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from config.exceptions import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error_view(status: int, message: str):
    @requires_csrf_token
    def view(request, exception=None):
        if _is_api(request):
            return JsonResponse(error_body(status, message), status=status)
        return render(request, f"{status}.html", status=status)

    return view


bad_request = _error_view(400, "Bad request.")
permission_denied = _error_view(403, "Permission denied.")
page_not_found = _error_view(404, "Not found.")


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body(500, "Server error."), status=500)
    # No context processors: the failure may be in one of them.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
