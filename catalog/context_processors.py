from catalog.selectors import category_tree


def header(request):
    """The header's category menu (cached tree; evaluated only when a template uses it)."""
    return {"header_categories": category_tree}
