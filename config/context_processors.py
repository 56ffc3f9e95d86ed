from django.conf import settings


def site(request):
    """Values every page needs."""
    return {"SITE_NAME": settings.SITE_NAME}
