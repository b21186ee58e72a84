"""peerlearn_payouts installs as its own app and imports only the packages below it."""

from importlib.metadata import version

from django.apps import apps

from peerlearn_core.testing.architecture import violations


def test_installed_as_a_django_app():
    config = apps.get_app_config("peerlearn_payouts")
    assert config.name == "peerlearn_payouts"
    assert version("peerlearn-payouts") == "0.1.0"


def test_imports_only_lower_packages():
    assert violations("peerlearn_payouts") == []
