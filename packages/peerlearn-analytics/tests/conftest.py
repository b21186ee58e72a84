"""The analytics tests read buckets in the product's time zone (IST), whatever the host's."""

import pytest


@pytest.fixture(autouse=True)
def _ist(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
