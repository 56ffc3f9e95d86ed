"""Reviews on the pages, in the admin and the API: a buyer reviews a received line with a
photo, the product page and the API show it; HTML in a review and a reply is escaped on the
page, in the admin and in the API's body; another shopper's line or review is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_tokens_issue
from accounts.tests.factories import UserFactory
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order
from reviews.models import Review
from reviews.services import review_create, review_reply

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def received(user):
    order = place_order(user)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.COMPLETED, completed_at=timezone.now()
    )
    return order.items.get()


def test_a_buyer_reviews_with_a_photo_and_the_product_page_shows_it(client, buyer, png_bytes):
    item = received(buyer)
    client.force_login(buyer)
    orders_page = client.get(reverse("orders:list")).content.decode()
    assert reverse("reviews:mine") in orders_page  # 待评价 beside the tabs
    assert (
        reverse("reviews:new", args=[item.pk])
        in client.get(reverse("reviews:mine")).content.decode()
    )
    photo = SimpleUploadedFile("p.png", png_bytes, content_type="image/png")
    response = client.post(
        reverse("reviews:new", args=[item.pk]),
        {"rating": "4", "text": "包装很好，发货快", "photos": [photo]},
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.rating, review.photo_count) == (4, 1)
    html = client.get(item.product.get_absolute_url()).content.decode()
    assert "包装很好，发货快" in html and "4.0" in html and "100% good" in html
    listing = client.get(reverse("reviews:product", args=[item.product_id]) + "?filter=photos")
    assert "包装很好，发货快" in listing.content.decode()
    bad = client.get(reverse("reviews:product", args=[item.product_id]) + "?filter=bad")
    assert "包装很好，发货快" not in bad.content.decode()


def test_html_in_reviews_and_replies_is_escaped_on_the_page_admin_and_api(
    client, buyer, merchant_client, api_client
):
    item = received(buyer)
    review = review_create(user=buyer, order_item_id=item.pk, rating=5, text=SCRIPT)
    review_reply(review_id=review.pk, text=SCRIPT)
    page = client.get(reverse("reviews:product", args=[item.product_id])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in page
    admin = merchant_client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    assert "<script>alert" not in admin.content.decode()
    assert "&lt;script&gt;" in admin.content.decode()
    response = api_client.get(reverse("api-product-reviews", args=[item.product_id]))
    assert b"<script>" not in response.content and b"<img" not in response.content
    body = response.json()["results"][0]
    assert body["text"] == SCRIPT and body["reply"] == SCRIPT  # the same text, parsed


def test_the_api_reviews_follows_up_and_hides_others_objects(api_client, buyer, png_bytes):
    item = received(buyer)
    token = user_tokens_issue(user=buyer)["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    pending = api_client.get(reverse("api-my-lines-to-review")).json()
    assert [line["order_item_id"] for line in pending["results"]] == [item.pk]
    photo = SimpleUploadedFile("p.png", png_bytes, content_type="image/png")
    created = api_client.post(
        reverse("api-review-create"),
        {"order_item_id": item.pk, "rating": 3, "text": "一般", "photos": [photo]},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    review_id = created.json()["id"]
    assert len(created.json()["photos"]) == 1
    again = api_client.post(
        reverse("api-review-create"), {"order_item_id": item.pk, "rating": 5}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (409, 90003)
    followed = api_client.post(
        reverse("api-review-follow-up", args=[review_id]), {"text": "用久了更好"}, format="json"
    )
    assert followed.json()["follow_up"] == "用久了更好"
    summary = api_client.get(reverse("api-product-review-summary", args=[item.product_id]))
    assert summary.json()["counts"] == {"all": 1, "photos": 1, "good": 0, "medium": 1, "bad": 0}
    detail = api_client.get(reverse("api-product", args=[item.product_id])).json()
    assert detail["rating"] == {"count": 1, "average": "3.0", "good_percent": 0}
    # Another shopper: neither the line nor the review is theirs.
    other = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=other)['access']}")
    line = api_client.post(
        reverse("api-review-create"), {"order_item_id": item.pk, "rating": 5}, format="json"
    )
    assert (line.status_code, line.json()["code"]) == (404, 90001)
    follow = api_client.post(
        reverse("api-review-follow-up", args=[review_id]), {"text": "x"}, format="json"
    )
    assert follow.status_code == 404
    assert api_client.get(reverse("api-my-reviews")).json()["count"] == 0
