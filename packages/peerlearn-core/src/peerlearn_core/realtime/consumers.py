"""Base consumer: refuses with 4401/4403, joins its groups, relays broadcasts verbatim."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .middleware import CLOSE_NOT_ALLOWED, CLOSE_NOT_AUTHENTICATED


class GroupRelayConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses implement ``get_groups`` (None means not allowed) and may override hooks."""

    groups_joined: list[str]

    async def get_groups(self, user) -> list[str] | None:
        raise NotImplementedError

    async def on_joined(self) -> None:
        """Called after accept; send initial state here."""

    async def connect(self):
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        groups = await self.get_groups(user)
        if groups is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()
        await self.on_joined()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def relay(self, event):
        await self.send_json(event["message"])

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "detail": "This socket takes no messages."})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.send_json({"type": "error", "detail": "Send JSON text frames."})
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.send_json({"type": "error", "detail": "Malformed JSON."})
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json({"type": "error", "detail": "A message is an object with a type."})
            return
        await self.receive_json(content, **kwargs)
