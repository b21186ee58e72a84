"""peerlearn_core installs as its own app and imports only the packages below it."""

from importlib.metadata import version

from django.apps import apps

from peerlearn_core.testing.architecture import ALLOWED, imported_packages, violations


def test_installed_as_a_django_app():
    config = apps.get_app_config("peerlearn_core")
    assert config.name == "peerlearn_core"
    assert version("peerlearn-core") == "0.1.0"


def test_imports_only_lower_packages():
    assert violations("peerlearn_core") == []


def test_the_checker_sees_imports():
    from pathlib import Path

    import peerlearn_core

    found = imported_packages(Path(peerlearn_core.__file__).parent)
    assert any("peerlearn_core" in names for names in found.values())
    assert set(ALLOWED) == {
        "peerlearn_core",
        "peerlearn_bookings",
        "peerlearn_payouts",
        "peerlearn_rtc",
        "peerlearn_analytics",
    }
