"""Each page script does one thing: none of the bookings app's scripts is over 400 lines."""

from pathlib import Path

import pytest

import peerlearn_bookings

MAX_LINES = 400
STATIC = Path(peerlearn_bookings.__file__).parent / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))
# Learner scripts being split on their own branch (issue 10); they pass once that lands.
SPLIT_ELSEWHERE = {"learner-bookings.js", "learner-browse.js"}


def test_there_are_scripts_to_check():
    assert any(path.name == "mentor-sessions.js" for path in SCRIPTS)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            path,
            id=path.name,
            marks=[pytest.mark.xfail(reason="split on the learner branch", strict=False)]
            if path.name in SPLIT_ELSEWHERE
            else [],
        )
        for path in SCRIPTS
    ],
)
def test_script_is_at_most_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(STATIC)} has {lines} lines (max {MAX_LINES})"
