"""Home page and error handlers (HTML for pages, the API error body under /api/)."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from config.exceptions import error_body


def home(request):
    return render(request, "home.html")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@requires_csrf_token
def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(400, "Bad request."), status=400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(403, "Permission denied."), status=403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(404, "Not found."), status=404)
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body(500, "Server error."), status=500)
    # No context processors: the failure may be in one of them.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
