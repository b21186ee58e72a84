from peerlearn_rtc.testing.fixtures import rtc_override, sockets  # noqa: F401
