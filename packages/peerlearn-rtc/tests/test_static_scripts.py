"""The room's scripts stay small and split by concern: no JS file over MAX_LINES lines, one module
entry (room.js) that the template loads and that imports every other module, no formatter of
their own (format.js has them) and no import of the kit's entry (kitReady() gives the kit)."""

import re
from pathlib import Path

import peerlearn_rtc

MAX_LINES = 400
PACKAGE = Path(peerlearn_rtc.__file__).parent
STATIC = PACKAGE / "static"
JS = STATIC / "peerlearn_rtc" / "js"
IMPORT = re.compile(r"""^\s*import\s[^;]*?from\s+["']([^"']+)["']""", re.MULTILINE)


def scripts() -> list[Path]:
    found = sorted(STATIC.rglob("*.js"))
    assert JS / "room.js" in found, found
    return found


def imports(path: Path) -> list[Path]:
    return [(path.parent / spec).resolve() for spec in IMPORT.findall(path.read_text())]


def test_every_script_is_at_most_400_lines():
    lengths = {
        str(path.relative_to(STATIC)): len(path.read_text().splitlines()) for path in scripts()
    }
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert not too_long, f"over {MAX_LINES} lines: {too_long}"


def test_the_template_loads_one_entry_that_imports_every_room_module():
    template = (PACKAGE / "templates" / "peerlearn_rtc" / "room.html").read_text()
    entries = re.findall(r"""<script type="module" src="\{% static '([^']+)' %\}">""", template)
    assert entries == ["peerlearn_rtc/js/room.js"]

    reached, todo = set(), [(JS / "room.js").resolve()]
    while todo:
        path = todo.pop()
        if path in reached or not path.is_relative_to(JS.resolve()):
            continue
        reached.add(path)
        todo.extend(imports(path))
    orphans = {p.name for p in JS.glob("*.js")} - {p.name for p in reached}
    assert not orphans, f"not imported from room.js: {orphans}"


def test_no_own_formatters_and_no_kit_entry_import():
    for path in scripts():
        source = path.read_text()
        assert not re.search(r"toLocale(Date|Time)?String|Intl\.", source), path.name
        assert not any(target.name == "index.js" for target in imports(path)), path.name
