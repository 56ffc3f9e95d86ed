"""After the journeys (this file runs last): nginx spread them over both web nodes, so every
journey's login, CSRF token, cart, checkout and payment held across two nodes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_journeys_were_served_by_both_web_nodes(stack):
    first, second = stack.served_by("web"), stack.served_by("web2")
    assert first > 10 and second > 10, (first, second)
