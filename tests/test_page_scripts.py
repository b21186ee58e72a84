"""Issue 10: each script does one thing. No JavaScript file any app ships is over 400 lines, and
the page scripts keep no formatter of their own (money, dates and pills come from the kit)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(REPO.glob("packages/*/src/*/static/**/*.js"))
KIT = "peerlearn_core/static/peerlearn_core/js/"
# Formatting done by hand instead of through peerlearn_core/js/format.js.
OWN_FORMATTING = re.compile(
    r"toLocale(Date|Time)?String\(|new Intl\.(NumberFormat|DateTimeFormat|RelativeTimeFormat)\("
)


def test_every_app_ships_scripts():
    apps = {path.relative_to(REPO).parts[1] for path in SCRIPTS}
    assert apps == {f"peerlearn-{x}" for x in ("core", "bookings", "payouts", "rtc", "analytics")}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(REPO / "packages")))
def test_script_is_at_most_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{lines} lines"


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in SCRIPTS
        if not p.as_posix().endswith(KIT + "format.js") and "/kit/" not in p.as_posix()
    ],
    ids=lambda p: str(p.relative_to(REPO / "packages")),
)
def test_page_scripts_format_through_the_kit(path):
    found = OWN_FORMATTING.findall(path.read_text(encoding="utf-8"))
    assert not found, f"formats by hand: {found}"
