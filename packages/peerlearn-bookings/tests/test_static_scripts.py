"""The learner dashboard's scripts stay split by concern: no page script or module over 400 lines."""

from pathlib import Path

import peerlearn_bookings

JS = Path(peerlearn_bookings.__file__).parent / "static" / "peerlearn_bookings" / "js"
LIMIT = 400


def test_learner_scripts_are_at_most_400_lines():
    scripts = sorted([*JS.glob("learner-*.js"), *(JS / "learner").glob("*.js")])
    assert len(scripts) >= 2, scripts
    too_long = {
        path.name: n for path in scripts if (n := len(path.read_text().splitlines())) > LIMIT
    }
    assert too_long == {}
