from config.site import site_name_lazy


def site(request):
    """Values every page needs."""
    return {"SITE_NAME": site_name_lazy()}
