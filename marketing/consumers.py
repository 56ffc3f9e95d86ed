"""A group's share page, live: anyone who has the link may watch its seats fill (the state
is what the page shows anyway, names masked). Pushes are hints; the API is the truth."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from marketing.selectors.groupbuy import team_group


class GroupConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        team_no = self.scope["url_route"]["kwargs"]["team_no"][:24]
        self.group = team_group(team_no)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def team_state(self, message):
        await self.send_json({"event": "team.state", "data": message["data"]})
