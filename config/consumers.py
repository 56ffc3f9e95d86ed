"""Per-user live events (seckill results, order status). Pushes are hints; APIs are the truth."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_to_user(user_id: int, event: str, data: dict) -> None:
    """Send an event to every open socket of a user (best effort)."""
    push_to_users([(user_id, event, data)])


def push_to_users(messages: list[tuple[int, str, dict]]) -> None:
    """Send (user id, event, data) messages in one trip through the event loop: a worker
    pushing a batch pays for ``async_to_sync`` once, not per message."""
    if not messages:
        return
    layer = get_channel_layer()

    async def send_all():
        for user_id, event, data in messages:
            await layer.group_send(
                user_group(user_id), {"type": "user.event", "event": event, "data": data}
            )

    async_to_sync(send_all)()


class UserEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # 4401: application close code for "not authenticated".
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello", "data": {"user_id": user.pk}})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"event": "pong", "data": {}})

    async def user_event(self, message):
        await self.send_json({"event": message["event"], "data": message["data"]})
