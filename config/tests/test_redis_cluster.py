"""App state on a Redis Cluster (REDIS_STATE_URL=redis+cluster://…): a cluster client, carts
that merge across slots exactly once, a readiness check that reads a key, and every script
call's keys in one slot. Each test starts its own cluster of three masters; ``make test``
also runs the carts, flash-sale and rate-limit tests on one."""

from __future__ import annotations

import pytest
from redis.cluster import RedisCluster as RedisClusterClient
from redis.crc import key_slot

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from config.redis import LuaScript, get_redis
from config.testing_servers import RedisCluster

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster(settings):
    servers = RedisCluster().start()
    settings.REDIS_STATE_URL = servers.url
    yield servers
    servers.stop()


def test_the_state_client_is_a_cluster_client(cluster):
    client = get_redis()
    assert isinstance(client, RedisClusterClient)
    client.set("probe", "1")
    assert client.get("probe") == "1"


def test_a_guest_cart_merges_into_a_user_cart_in_another_slot_once_even_on_retry(cluster):
    from carts.keys import guest_cart_key, user_cart_key
    from carts.selectors import cart_view
    from carts.services import cart_add, cart_merge

    user = UserFactory()
    one, two = make_product().skus.get(), make_product().skus.get()
    guest, mine = guest_cart_key("tok-123"), user_cart_key(user.pk)
    assert key_slot(guest.encode()) != key_slot(mine.encode())
    cart_add(key=mine, sku_id=one.pk, quantity=1)
    cart_add(key=guest, sku_id=one.pk, quantity=2)
    cart_add(key=guest, sku_id=two.pk, quantity=1)
    kept = get_redis().hgetall(guest)

    assert cart_merge(source_key=guest, target_key=mine) == 0
    assert get_redis().exists(guest) == 0
    # A retry after the reply was lost, or after the guest cart's delete failed: the same
    # guest lines come again, and nothing is added twice.
    get_redis().hset(guest, mapping=kept)
    assert cart_merge(source_key=guest, target_key=mine) == 0
    lines = {line["sku_id"]: line["quantity"] for line in cart_view(key=mine)["lines"]}
    assert lines == {one.pk: 3, two.pk: 1}


def test_readyz_reads_a_key_so_a_lost_master_makes_it_say_so(client, cluster):
    import redis

    assert client.get("/readyz").json()["checks"]["state"] == "ok"
    # The master that holds the probe's slot goes away; the others still answer PING.
    port = get_redis().get_node_from_key("readyz:probe").port
    victim = next(node for node in cluster.nodes if node.port == port)
    victim.kill()
    other = next(node for node in cluster.nodes if node is not victim)
    assert redis.Redis(port=other.port).ping()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["state"] == "unavailable"


def test_a_script_call_whose_keys_span_slots_is_refused_by_the_suites_check():
    script = LuaScript("return 1")
    assert key_slot(b"cart:u:1") != key_slot(b"cart:g:x")
    with pytest.raises(AssertionError, match="hash slots"):
        script(keys=["cart:u:1", "cart:g:x"], args=[])
    assert script(keys=["sk:{sk:9}:stock", "sk:{sk:9}:stream"], args=[]) == 1
