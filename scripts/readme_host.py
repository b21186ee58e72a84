"""Wire a fresh ``django-admin startproject mysite`` host exactly as an app's README says.

    python scripts/readme_host.py packages/peerlearn-bookings/README.md /tmp/host

Every fenced ``python`` block of the README that starts with ``# mysite/settings.py (appended)``
is appended to the host's settings; ``# mysite/urls.py`` and ``# mysite/asgi.py`` blocks replace
those files. Nothing else is added: what the README leaves out, the host does not have. Fails
when the README has no such blocks (a README that stopped saying how to wire the app).
"""

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
TARGETS = {
    "# mysite/settings.py (appended)": ("settings.py", "append"),
    "# mysite/urls.py": ("urls.py", "replace"),
    "# mysite/asgi.py": ("asgi.py", "replace"),
}


def wire(readme: Path, host: Path) -> list[str]:
    done = []
    for block in FENCE.findall(readme.read_text(encoding="utf-8")):
        first = block.split("\n", 1)[0].strip()
        if first not in TARGETS:
            continue
        name, how = TARGETS[first]
        target = host / "mysite" / name
        if how == "append":
            target.write_text(target.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
        else:
            target.write_text(block, encoding="utf-8")
        done.append(f"{how} mysite/{name}")
    missing = {f"{how} mysite/{name}" for name, how in TARGETS.values()} - set(done)
    if missing:
        raise SystemExit(f"{readme}: no block for {', '.join(sorted(missing))}")
    return done


if __name__ == "__main__":
    print(", ".join(wire(Path(sys.argv[1]), Path(sys.argv[2]))))
