from django.shortcuts import render


def search(request):
    """Search results page; the product search itself arrives with the catalog."""
    query = request.GET.get("q", "").strip()[:100]
    return render(request, "catalog/search.html", {"query": query, "products": []})
