"""拼团 end to end on real PostgreSQL and Redis, paid through the WeChat Pay simulator
(signed, encrypted notifications to the live server): seats taken as payments land, the
last seat racing, success, failure with each member refunded on their own, the sweep, the
units conserved."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.models import Sku
from config.testing import run_together
from marketing.errors import GroupAlreadyJoined, GroupBuyLimitReached, GroupNotJoinable
from marketing.models import GroupBuy, GroupBuyMember, GroupBuyTeam, MemberStatus, TeamStatus
from marketing.services import (
    groupbuy_end,
    groupbuy_order,
    groupbuys_advance,
    team_fail,
    teams_sweep,
)
from marketing.tests.factories import make_groupbuy
from orders.errors import IllegalTransition
from orders.models import Message, Order, OrderStatus
from orders.services import order_close_overdue, order_ship
from payments.models import Payment, Refund
from payments.services import payment_checkout, payment_start, refunds_retry_automatic

pytestmark = pytest.mark.django_db(transaction=True)


def shopper():
    user = UserFactory()
    user.address = AddressFactory(user=user, is_default=True)
    return user


def buy(user, campaign, team=None, **kwargs) -> Order:
    order, created = groupbuy_order(
        user=user,
        campaign_id=campaign.pk,
        address_id=user.address.pk,
        team_no=team.team_no if team else "",
        **kwargs,
    )
    assert created
    return order


def pay(wechatpay, order) -> Payment:
    """The shopper pays at WeChat Pay; its notification goes through the whole pipeline."""
    payment = payment_start(order=order, provider="wechatpay")
    payment_checkout(payment=payment, request=None)
    answer = wechatpay.pay(payment.payment_no)
    assert answer.status_code == 204
    return payment


def status(order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def team_of(order) -> GroupBuyTeam:
    return GroupBuyMember.objects.select_related("team").get(order=order).team


def open_team(wechatpay, campaign):
    leader = shopper()
    order = buy(leader, campaign)
    pay(wechatpay, order)
    return team_of(order), order


def test_a_group_opens_when_its_leader_pays_and_succeeds_on_its_last_seat(wechatpay):
    campaign = make_groupbuy(group_size=3)
    leader = shopper()
    first = buy(leader, campaign)
    team = team_of(first)
    # Not shown, and not joinable, until the leader's payment lands.
    assert team.status == TeamStatus.OPENING
    with pytest.raises(GroupNotJoinable):
        buy(shopper(), campaign, team)
    pay(wechatpay, first)
    team.refresh_from_db()
    assert (team.status, team.seats_taken, status(first)) == (TeamStatus.OPEN, 1, "grouping")
    assert team.deadline == team.opened_at + timedelta(minutes=1440)
    # A paid group order waits: it cannot ship.
    with pytest.raises(IllegalTransition):
        order_ship(order_id=first.pk, carrier="SF", tracking_no="SF1")
    second = buy(shopper(), campaign, team)
    pay(wechatpay, second)
    assert (status(first), status(second)) == ("grouping", "grouping")
    third = buy(shopper(), campaign, team)
    pay(wechatpay, third)
    team.refresh_from_db()
    assert (team.status, team.seats_taken) == (TeamStatus.SUCCEEDED, 3)
    assert {status(o) for o in (first, second, third)} == {OrderStatus.PAID}
    # Every member is told (in-site message and email), and the order now ships.
    kinds = Message.objects.filter(order__in=[first, second, third]).values_list("kind", flat=True)
    assert sorted(k for k in kinds if k.startswith("group_")) == ["group_succeeded"] * 3
    order_ship(order_id=first.pk, carrier="SF", tracking_no="SF1")
    assert status(first) == OrderStatus.SHIPPED


def test_two_payers_for_the_last_seat_twenty_rounds(wechatpay):
    campaign = make_groupbuy(allocated=80)
    for _round in range(20):
        team, _leader_order = open_team(wechatpay, campaign)
        a, b = buy(shopper(), campaign, team), buy(shopper(), campaign, team)
        payments = [payment_start(order=o, provider="wechatpay") for o in (a, b)]
        for payment in payments:
            payment_checkout(payment=payment, request=None)
        answers = run_together(*[lambda p=p: wechatpay.pay(p.payment_no) for p in payments])
        assert [r.status_code for r in answers] == [204, 204]
        team.refresh_from_db()
        assert (team.status, team.seats_taken) == (TeamStatus.SUCCEEDED, 2)
        joined = GroupBuyMember.objects.filter(team=team, status=MemberStatus.JOINED)
        assert joined.count() == 2
        won, lost = sorted((a, b), key=lambda o: status(o) != OrderStatus.PAID)
        assert (status(won), status(lost)) == (OrderStatus.PAID, OrderStatus.CANCELLED)
        lost_order = Order.objects.get(pk=lost.pk)
        assert lost_order.cancel_reason == "group_full"
        # The other payment goes back in full, once.
        refund = Refund.objects.get(payment__order=lost)
        assert (refund.amount, refund.automatic) == (lost_order.total_amount, True)
        assert list(wechatpay.refunds).count(refund.refund_no) == 1
        assert Message.objects.filter(order=lost, kind="group_full").exists()
    assert Refund.objects.count() == 20
    assert "agrees with the ledger" in _audit()


def _audit() -> str:
    import io

    buffer = io.StringIO()
    call_command("stock_audit", stdout=buffer)
    return buffer.getvalue()


def test_a_failed_group_refunds_each_member_on_its_own_and_retries_the_one_refused(wechatpay):
    campaign = make_groupbuy(group_size=4)
    team, first = open_team(wechatpay, campaign)
    second, third = buy(shopper(), campaign, team), buy(shopper(), campaign, team)
    payments = [Payment.objects.get(order=first), pay(wechatpay, second), pay(wechatpay, third)]
    # The merchant's balance cannot cover one of the three refunds at first.
    wechatpay.refuse_refunds_of = {payments[1].payment_no}
    GroupBuyTeam.objects.filter(pk=team.pk).update(deadline=timezone.now())
    assert teams_sweep() == 1
    team.refresh_from_db()
    assert (team.status, team.failure) == (TeamStatus.FAILED, "deadline")
    orders = [first, second, third]
    assert [status(o) for o in orders] == [OrderStatus.CANCELLED] * 3
    refunds = {r.payment_id: r for r in Refund.objects.all()}
    assert [refunds[p.pk].status for p in payments] == ["pending", "failed", "pending"]
    # The others went through all the same; the refused one goes again by itself.
    wechatpay.refuse_refunds_of = set()
    Refund.objects.filter(status="failed").update(updated_at=timezone.now() - timedelta(hours=1))
    assert refunds_retry_automatic() == 1
    for payment in payments:
        wechatpay.settle_refund(refunds[payment.pk].refund_no)
    for order, payment in zip(orders, payments, strict=True):
        order.refresh_from_db()
        assert order.refunded_amount == order.total_amount == payment.amount
        assert Refund.objects.filter(payment=payment).count() == 1
        assert Message.objects.filter(order=order, kind="group_failed").exists()
    # One refund per trade at the gateway: nobody is paid back twice.
    assert sorted(r.out_trade_no for r in wechatpay.refunds.values()) == sorted(
        p.payment_no for p in payments
    )
    # A second sweep, or the timer running late, changes nothing.
    assert teams_sweep() == 0
    assert team_fail(team_id=team.pk) is False
    assert Refund.objects.count() == 3
    # The units went back to the campaign.
    assert GroupBuy.objects.get(pk=campaign.pk).stock == 10
    assert "agrees with the ledger" in _audit()


def test_a_group_deadline_never_passes_the_campaigns_end():
    campaign = make_groupbuy(ends_at=timezone.now() + timedelta(hours=2), fill_minutes=1440)
    leader = shopper()
    order = buy(leader, campaign)
    from orders.services import order_mark_paid

    order_mark_paid(order_id=order.pk)
    team = team_of(order)
    assert team.deadline == campaign.ends_at
    # At the campaign's end the clock ends it: the open group fails, the units go back.
    GroupBuy.objects.filter(pk=campaign.pk).update(
        ends_at=timezone.now(), starts_at=timezone.now() - timedelta(hours=1)
    )
    assert groupbuys_advance() == 1
    team.refresh_from_db()
    assert team.status == TeamStatus.FAILED
    assert status(order) == OrderStatus.CANCELLED
    campaign.refresh_from_db()
    assert (campaign.status, campaign.stock) == ("ended", 0)
    assert Sku.objects.get(pk=campaign.sku_id).stock == 50


def test_virtual_members_complete_a_group_at_its_deadline():
    from orders.services import order_mark_paid

    campaign = make_groupbuy(group_size=3, virtual_fill=True)
    order = buy(shopper(), campaign)
    order_mark_paid(order_id=order.pk)
    team = team_of(order)
    GroupBuyTeam.objects.filter(pk=team.pk).update(deadline=timezone.now())
    assert teams_sweep() == 1
    team.refresh_from_db()
    assert (team.status, team.seats_taken, team.virtual_members) == ("succeeded", 1, 2)
    assert status(order) == OrderStatus.PAID


def test_unpaid_group_orders_time_out_and_free_their_seats_with_stock_conserved():
    from orders.services import order_mark_paid

    campaign = make_groupbuy(group_size=3, allocated=5)
    leader_order = buy(shopper(), campaign)
    order_mark_paid(order_id=leader_order.pk)
    team = team_of(leader_order)
    joiner = shopper()
    unpaid = buy(joiner, campaign, team)
    assert GroupBuy.objects.get(pk=campaign.pk).stock == 3
    Order.objects.filter(pk=unpaid.pk).update(pay_deadline=timezone.now())
    assert order_close_overdue(order_id=unpaid.pk)
    member = GroupBuyMember.objects.get(order=unpaid)
    assert member.status == MemberStatus.LEFT
    assert GroupBuy.objects.get(pk=campaign.pk).stock == 4
    # The shopper may join again (the seat and the limit were let go).
    again = buy(joiner, campaign, team)
    order_mark_paid(order_id=again.pk)
    assert status(again) == "grouping"
    # A leader who never pays: the group is never shown and closes.
    lone = buy(shopper(), campaign)
    Order.objects.filter(pk=lone.pk).update(pay_deadline=timezone.now())
    assert order_close_overdue(order_id=lone.pk)
    assert team_of(lone).status == TeamStatus.CLOSED
    # Ending it early fails the open group through the same path: every unit is back.
    groupbuy_end(campaign_id=campaign.pk)
    team.refresh_from_db()
    assert (team.status, team.failure) == (TeamStatus.FAILED, "ended")
    assert {status(leader_order), status(again)} == {OrderStatus.CANCELLED}
    assert Order.objects.get(pk=again.pk).cancel_reason == "group_closed"
    assert "agrees with the ledger" in _audit()
    assert Sku.objects.get(pk=campaign.sku_id).stock == 50


def test_nobody_joins_a_group_twice_nor_buys_past_the_limit():
    from orders.services import order_mark_paid

    campaign = make_groupbuy(group_size=5, per_user_limit=2)
    leader = shopper()
    first = buy(leader, campaign)
    order_mark_paid(order_id=first.pk)
    team = team_of(first)
    with pytest.raises(GroupAlreadyJoined):
        buy(leader, campaign, team)
    member = shopper()
    pending = buy(member, campaign, team)
    # The same shopper asking again gets the order to pay, never a second one.
    again, created = groupbuy_order(
        user=member, campaign_id=campaign.pk, address_id=member.address.pk, team_no=team.team_no
    )
    assert (again.pk, created) == (pending.pk, False)
    # The limit counts every unit held in the campaign (leader's second group: one more).
    buy(leader, campaign)
    with pytest.raises(GroupBuyLimitReached):
        buy(leader, campaign)


def test_a_member_refunded_after_success_leaves_the_group_succeeded():
    from orders.services import order_mark_paid

    campaign = make_groupbuy()
    first = buy(shopper(), campaign)
    order_mark_paid(order_id=first.pk)
    team = team_of(first)
    second = buy(shopper(), campaign, team)
    order_mark_paid(order_id=second.pk)
    assert status(second) == status(first) == OrderStatus.PAID
    from orders.services import order_refund_open, order_refund_record

    with transaction.atomic():
        order_refund_open(order_id=second.pk)
        order_refund_record(
            order_id=second.pk,
            amount=Order.objects.get(pk=second.pk).total_amount,
            back_to=OrderStatus.PAID,
        )
    team.refresh_from_db()
    assert (team.status, team.seats_taken) == (TeamStatus.SUCCEEDED, 2)
    assert status(first) == OrderStatus.PAID
    assert status(second) == OrderStatus.REFUNDED


def test_a_share_page_follows_its_group_live_over_the_websocket():
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from orders.services import order_mark_paid

    campaign = make_groupbuy()
    first = buy(shopper(), campaign)
    order_mark_paid(order_id=first.pk)
    team = team_of(first)
    joiner = buy(shopper(), campaign, team)

    async def scenario():
        # Anyone with the link watches (no login): the state is what the page shows.
        ws = WebsocketCommunicator(
            application, f"/ws/groups/{team.team_no}/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        connected, _ = await ws.connect()
        assert connected
        await sync_to_async(order_mark_paid)(order_id=joiner.pk)
        message = await ws.receive_json_from(timeout=5)
        assert message["event"] == "team.state"
        assert message["data"]["team_no"] == team.team_no
        assert message["data"]["members_count"] == 2
        await ws.disconnect()

    async_to_sync(scenario)()


def test_members_get_a_wechat_subscribe_message_where_configured(settings, mailoutbox):
    from accounts.models import User
    from accounts.tests.wechat_sim import WechatSimulator
    from orders.services import order_mark_paid

    simulator = WechatSimulator(appid="wx0123456789abcdef", secret="s3cr3t")
    settings.WECHAT_MINIPROGRAM_APPID, settings.WECHAT_MINIPROGRAM_SECRET = (
        "wx0123456789abcdef",
        "s3cr3t",
    )
    settings.WECHAT_API_BASE = simulator.start()
    settings.WECHAT_SUBSCRIBE_TEMPLATES = {
        "group_succeeded": {
            "id": "TPL-GROUP-OK",
            "data": {"thing1": "product", "amount2": "total", "thing3": "title"},
        }
    }
    try:
        campaign = make_groupbuy()
        leader, joiner = shopper(), shopper()
        User.objects.filter(pk=leader.pk).update(wechat_openid="oLeader")
        User.objects.filter(pk=joiner.pk).update(wechat_openid="oJoiner")
        simulator.subscribe("oLeader", "TPL-GROUP-OK")  # the joiner never tapped 允许
        first = buy(leader, campaign)
        order_mark_paid(order_id=first.pk)
        simulator.expire_tokens()  # a token that went stale is fetched again, once
        second = buy(joiner, campaign, team_of(first))
        order_mark_paid(order_id=second.pk)
        assert [m["touser"] for m in simulator.sent] == ["oLeader"]
        sent = simulator.sent[0]
        assert sent["template_id"] == "TPL-GROUP-OK"
        assert sent["data"]["amount2"]["value"] == f"{first.total_amount}元"
        assert len(sent["data"]["thing3"]["value"]) <= 20  # cut to what the keyword holds
        assert sent["page"].endswith(f"?order_no={first.order_no}")
        # Both are marked done (the joiner had not subscribed: nothing to send again), and
        # the emails went out all the same.
        done = Message.objects.filter(kind="group_succeeded", wechat_sent_at__isnull=False)
        assert done.count() == 2
        assert sum("group is full" in m.subject for m in mailoutbox) == 2
    finally:
        simulator.stop()


def test_the_limit_per_shopper_holds_when_one_shopper_opens_groups_at_once():
    from config.testing import run_concurrently
    from marketing.models import GroupBuyQuota

    campaign = make_groupbuy(per_user_limit=2)
    user = shopper()

    def attempt():
        order, _created = groupbuy_order(
            user=user, campaign_id=campaign.pk, address_id=user.address.pk
        )
        return order

    outcomes = run_concurrently(attempt, 8)
    orders = [o for o in outcomes if isinstance(o, Order)]
    assert len(orders) == 2
    assert all(isinstance(o, GroupBuyLimitReached) for o in outcomes if o not in orders)
    assert GroupBuyQuota.objects.get(campaign=campaign, user=user).units == 2
    assert GroupBuy.objects.get(pk=campaign.pk).stock == 8  # the refused took no unit
    assert "agrees with the ledger" in _audit()


def test_a_member_still_paying_when_the_group_fills_is_told_at_once():
    from orders.services import order_mark_paid

    campaign = make_groupbuy()
    first = buy(shopper(), campaign)
    order_mark_paid(order_id=first.pk)
    team = team_of(first)
    slow, quick = buy(shopper(), campaign, team), buy(shopper(), campaign, team)
    order_mark_paid(order_id=quick.pk)
    # The one still paying has nothing left to pay for: cancelled with the reason, the
    # unit back in the campaign, the seat and the limit let go.
    slow.refresh_from_db()
    assert (slow.status, slow.cancel_reason) == (OrderStatus.CANCELLED, "group_full")
    assert GroupBuyMember.objects.get(order=slow).status == MemberStatus.LEFT
    assert GroupBuy.objects.get(pk=campaign.pk).stock == 8
