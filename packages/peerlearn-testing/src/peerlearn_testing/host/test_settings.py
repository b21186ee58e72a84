"""The bare host as an app's own test suite runs it (``pytest`` in ``packages/peerlearn-<x>/``):
the host's settings, with what only tests want."""

import os

from .settings import *  # noqa: F403

# A file, not SQLite's shared in-memory database: the concurrency tests need separate
# connections with the busy timeout, as production runs.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get(
        "SQLITE_TEST_PATH",
        f"/tmp/peerlearn-host-test-{os.getpid()}.sqlite3",  # noqa: S108
    )
}
# The schema tests generate the OpenAPI document as a host with drf-spectacular does: that needs
# its AutoSchema as DEFAULT_SCHEMA_CLASS before the views are imported (drf-spectacular's own
# install step; ours adds the 4xx). The runtime needs no REST_FRAMEWORK: the bare host sweep
# (tests/test_bare_host.py) runs without one.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "peerlearn_core.api.schema.AutoSchema"}
# Tests create hundreds of users; a fast hasher keeps that cheap (never used outside tests).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
