"""Each page script does one thing: none of the bookings app's scripts is over 400 lines."""

from pathlib import Path

import pytest

import peerlearn_bookings

MAX_LINES = 400
STATIC = Path(peerlearn_bookings.__file__).parent / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))


def test_there_are_scripts_to_check():
    names = {path.name for path in SCRIPTS}
    assert {"mentor-sessions.js", "learner-bookings.js", "learner-browse.js"} <= names


@pytest.mark.parametrize("path", [pytest.param(path, id=path.name) for path in SCRIPTS])
def test_script_is_at_most_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(STATIC)} has {lines} lines (max {MAX_LINES})"
