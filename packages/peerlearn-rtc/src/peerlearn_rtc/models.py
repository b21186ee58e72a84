import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_peer_id() -> str:
    return uuid.uuid4().hex[:16]


class Role(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    LEARNER = "learner", "Learner"


class RoomCall(models.Model):
    """A session's call: when the mentor started it and in which topology."""

    class Mode(models.TextChoices):
        MESH = "mesh", "Mesh"
        LECTURE = "lecture", "Lecture"

    session = models.OneToOneField(
        "peerlearn_bookings.LiveSession", on_delete=models.CASCADE, related_name="room_call"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.MESH)
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Call of session {self.session_id} ({self.mode})"


class RoomPeer(models.Model):
    """One socket in a room. Presence lives here, not in a process, so every Daphne sees it."""

    session = models.ForeignKey(
        "peerlearn_bookings.LiveSession", on_delete=models.CASCADE, related_name="room_peers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_peers"
    )
    peer_id = models.CharField(max_length=32, unique=True, default=new_peer_id)
    channel_name = models.CharField(max_length=200)
    role = models.CharField(max_length=8, choices=Role.choices)
    name = models.CharField(max_length=150)
    ready = models.BooleanField(default=False)
    hand_raised = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [
            models.Index(
                fields=["session", "user"],
                condition=Q(left_at__isnull=True),
                name="room_peer_present_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) in room {self.session_id}"


class ChatMessage(models.Model):
    session = models.ForeignKey(
        "peerlearn_bookings.LiveSession", on_delete=models.CASCADE, related_name="chat_messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_chat_messages"
    )
    peer_id = models.CharField(max_length=32)
    # The sender's name when they wrote, so a later rename does not rewrite the transcript.
    name = models.CharField(max_length=150)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "created_at"], name="room_chat_session_idx")]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class PresenceAttendance(models.Model):
    """Presence marked this learner attended once; the mentor's manual choice stands after that."""

    session = models.ForeignKey(
        "peerlearn_bookings.LiveSession", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seconds_present = models.PositiveIntegerField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_presence_mark_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} present in {self.session_id}"
