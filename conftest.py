"""Root pytest plugin list: the shared fixtures every package's tests can use."""

pytest_plugins = ["peerlearn_core.testing.fixtures"]
