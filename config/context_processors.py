from django.conf import settings


def site(request):
    """Values every page needs: the site name, header menus and the cart badge."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Filled by the catalog and carts apps when they arrive.
        "header_categories": [],
        "cart_count": 0,
    }
