"""Who sends media to whom: the seam where the room's topology is decided.

Mesh: every peer sends its camera/mic to every other peer, so with n peers each one uploads n-1
streams. Lecture: only the mentor sends; learners receive and use chat and raise-hand. The mode
is decided by seats (not by who happens to be present) when the call starts, so it never flips
in the middle of a call.

An SFU (LiveKit, mediasoup) would plug in here: a third mode whose ``may_signal`` sends every
peer's offer to the SFU instead of to other peers, with ``mode_for`` choosing it above the mesh
limit. docs/rtc.md has the bandwidth arithmetic.
"""

from .app_settings import rtc_settings

MESH = "mesh"
LECTURE = "lecture"
MENTOR = "mentor"


def mode_for(session) -> str:
    """Mesh while every seat plus the mentor fits PEERLEARN_RTC["MAX_MESH_PEERS"]."""
    if session.booked_count + 1 <= int(rtc_settings.MAX_MESH_PEERS):
        return MESH
    return LECTURE


def may_signal(mode: str, from_role: str, to_role: str) -> bool:
    """Whether a peer may negotiate a connection with another in this mode: everyone with everyone
    in a mesh, only mentor<->learner in a lecture."""
    if mode == LECTURE:
        return MENTOR in (from_role, to_role)
    return True
