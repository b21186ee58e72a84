"""The room page: /room/{id}."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from peerlearn_core.api.defaults import ids_fit

from . import selectors
from .app_settings import rtc_settings
from .turn import ice_servers_for

UNAVAILABLE = {
    "forbidden": (
        403,
        "You don't have a seat in this session",
        "Only the session's mentor and learners with an active booking can enter its room.",
    ),
    "unpaid": (
        403,
        "Finish paying for your seat",
        "Your seat is held while you pay. Pay from My Bookings, then come back to join the room.",
    ),
    "closed": (
        410,
        "This session is over",
        "The room closed when the session ended or was cancelled.",
    ),
}


def dashboard_url(user) -> str:
    return "/mentor/dashboard" if getattr(user, "role", "") == "mentor" else "/learner/dashboard"


@login_required
def room(request, session_id: int):
    if not ids_fit({"session_id": session_id}):
        raise Http404("No such session.")
    access = selectors.room_access(request.user, session_id)
    if access.refusal == "not_found":
        raise Http404("No such session.")
    if access.refusal in UNAVAILABLE:
        status, title, body = UNAVAILABLE[access.refusal]
        return render(
            request,
            "peerlearn_rtc/room_unavailable.html",
            {
                "title": title,
                "body": body,
                "session": access.session,
                "dashboard_url": dashboard_url(request.user),
            },
            status=status,
        )
    session = access.session
    call = selectors.call_of(session.pk)
    config = {
        "sessionId": session.pk,
        "title": session.title,
        "mentorName": session.mentor.name,
        "startsAt": session.starts_at.isoformat(),
        "endsAt": session.ends_at.isoformat(),
        "opensAt": session.room_opens_at.isoformat(),
        "openNow": access.allowed,
        "user": {"id": request.user.pk, "name": request.user.name, "role": access.role},
        "wsPath": f"/ws/room/{session.pk}/",
        "iceServers": ice_servers_for(request.user),
        "iceServersUrl": f"/api/rtc/sessions/{session.pk}/ice-servers/",
        "mode": call.mode if call else selectors.mode_for(session),
        "maxMeshPeers": int(rtc_settings.MAX_MESH_PEERS),
        "maxChatChars": int(rtc_settings.MAX_CHAT_CHARS),
        "dashboardUrl": dashboard_url(request.user),
        "transcriptUrl": f"/api/sessions/{session.pk}/transcript/",
        "now": timezone.now().isoformat(),
    }
    return render(request, "peerlearn_rtc/room.html", {"session": session, "room_config": config})
