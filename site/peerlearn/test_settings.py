"""Settings for the test suite: the development profile, read from the same environment."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("PEERLEARN_UI_KIT", "1")

from .settings import *  # noqa: E402,F403
