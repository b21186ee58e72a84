import re

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from peerlearn_bookings.models import LiveSession
from peerlearn_core.api.defaults import ApiDefaults

from .. import selectors
from ..turn import ice_servers_for

LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def transcript_text(session: LiveSession) -> str:
    """One line per message: local time, name, text (a line break inside a message becomes ' / ')."""
    zone = timezone.get_current_timezone()
    lines = [f"# {session.title} — chat transcript", ""]
    for message in selectors.transcript_messages(session.pk).iterator():
        at = timezone.localtime(message.created_at, zone).strftime("%Y-%m-%d %H:%M:%S %Z")
        lines.append(f"[{at}] {message.name}: {LINE_BREAKS.sub(' / ', message.text)}")
    return "\n".join(lines) + "\n"


class TranscriptView(ApiDefaults, APIView):
    @extend_schema(
        summary="Download the session's chat transcript",
        responses={
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="One line a message"
            ),
            403: OpenApiResponse(description="Not the mentor or a learner of the session"),
            404: OpenApiResponse(description="No such session"),
        },
    )
    def get(self, request, session_id: int):
        session = get_object_or_404(LiveSession, pk=session_id)
        if not selectors.can_read_transcript(request.user, session):
            raise PermissionDenied("Only the mentor and the session's learners can read its chat.")
        response = HttpResponse(transcript_text(session), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="peerlearn-session-{session.pk}-transcript.txt"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class IceServersView(ApiDefaults, APIView):
    """Fresh ICE servers (short-lived TURN credentials) for a member of the room, e.g. before an
    ICE restart in a long session."""

    @extend_schema(
        summary="ICE servers with fresh TURN credentials for the session's room",
        responses={
            200: inline_serializer(
                "IceServers",
                {
                    "ice_servers": serializers.ListField(child=serializers.DictField()),
                },
            ),
            403: OpenApiResponse(description="No seat in the session's room"),
            404: OpenApiResponse(description="No such session"),
        },
    )
    def get(self, request, session_id: int):
        access = selectors.room_access(request.user, session_id)
        if access.refusal == "not_found":
            return Response({"detail": "Not found."}, status=404)
        if access.refusal in {"forbidden", "unpaid", "closed"}:
            raise PermissionDenied("You have no seat in this room.")
        response = Response({"ice_servers": ice_servers_for(request.user)})
        response["Cache-Control"] = "private, no-store"
        return response
