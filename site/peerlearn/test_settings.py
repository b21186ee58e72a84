"""Settings for the test suite: the development profile, read from the same environment."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("PEERLEARN_UI_KIT", "1")

from .settings import *  # noqa: F403

# A file, not SQLite's shared in-memory database: concurrency tests need real separate connections
# with WAL and the busy timeout, exactly as production runs.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get(  # noqa: F405
        "SQLITE_TEST_PATH",
        f"/tmp/peerlearn-test-{os.getpid()}.sqlite3",  # noqa: S108
    )

# Tests create hundreds of users; a fast hasher keeps that cheap (never used outside tests).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
