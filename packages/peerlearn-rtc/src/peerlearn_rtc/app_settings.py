"""PEERLEARN_RTC settings with defaults; read through ``rtc_settings`` so overrides apply live."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # RTCIceServer dicts given to every browser as they are ({"urls": "stun:..."}). None by
    # default: on localhost host candidates are enough, and nothing should call out to the internet.
    "ICE_SERVERS": [],
    # TURN through coturn's `use-auth-secret`: URLs ("turn:turn.example.com:3478?transport=udp")
    # and the shared secret. Credentials are minted per user and expire after TURN_TTL_SECONDS.
    "TURN_URLS": [],
    "TURN_SECRET": "",
    "TURN_TTL_SECONDS": 3600,
    # More peers than this in one room (mentor included) and the room runs in lecture mode.
    "MAX_MESH_PEERS": 8,
    # A learner present this long after the call started is marked attended.
    "ATTENDED_AFTER_SECONDS": 60,
    # Largest client frame in bytes, and largest chat message in characters.
    "MAX_MESSAGE_BYTES": 16 * 1024,
    "MAX_CHAT_CHARS": 2000,
    # Chat and ready/hand toggles allowed per peer in a sliding window (count, seconds).
    "CHAT_RATE": (10, 10),
    "TOGGLE_RATE": (20, 10),
    # A connected peer refreshes its row this often; one silent for PEER_STALE_SECONDS is gone
    # (its process died without running disconnect).
    "HEARTBEAT_SECONDS": 15,
    "PEER_STALE_SECONDS": 45,
}


class RtcSettings:
    def __getattr__(self, name: str):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, "PEERLEARN_RTC", {}).get(name, DEFAULTS[name])


rtc_settings = RtcSettings()


def check_settings() -> None:
    unknown = set(getattr(settings, "PEERLEARN_RTC", {})) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(f"Unknown PEERLEARN_RTC keys: {sorted(unknown)}")
    if not isinstance(rtc_settings.ICE_SERVERS, list | tuple):
        raise ImproperlyConfigured("PEERLEARN_RTC['ICE_SERVERS'] must be a list of dicts.")
    if rtc_settings.TURN_URLS and not rtc_settings.TURN_SECRET:
        raise ImproperlyConfigured("PEERLEARN_RTC['TURN_URLS'] needs PEERLEARN_RTC['TURN_SECRET'].")
    if int(rtc_settings.MAX_MESH_PEERS) < 2:
        raise ImproperlyConfigured("PEERLEARN_RTC['MAX_MESH_PEERS'] must be at least 2.")
