from django.contrib import admin

from .models import ChatMessage, RoomCall, RoomPeer


@admin.register(RoomPeer)
class RoomPeerAdmin(admin.ModelAdmin):
    list_display = ("session", "name", "role", "ready", "joined_at", "left_at", "left_reason")
    list_filter = ("role", "left_reason")
    raw_id_fields = ("session", "user")


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ("session", "name", "created_at")
    raw_id_fields = ("session", "user")


admin.site.register(RoomCall)
