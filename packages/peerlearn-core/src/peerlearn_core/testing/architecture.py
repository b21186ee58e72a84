"""Dependency direction of the PeerLearn packages (DESIGN.md), checked from the source text."""

import ast
from pathlib import Path

# What each package may import (besides itself).
ALLOWED = {
    "peerlearn_core": set(),
    "peerlearn_bookings": {"peerlearn_core"},
    "peerlearn_payouts": {"peerlearn_core", "peerlearn_bookings"},
    "peerlearn_rtc": {"peerlearn_core", "peerlearn_bookings"},
    "peerlearn_analytics": {
        "peerlearn_core",
        "peerlearn_bookings",
        "peerlearn_payouts",
        "peerlearn_rtc",
    },
}


def imported_packages(package_dir: Path) -> dict[str, set[str]]:
    """``{file: {peerlearn_* packages it imports}}`` for every module of a package."""
    found: dict[str, set[str]] = {}
    for path in package_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path)] = {name for name in names if name.startswith("peerlearn_")}
    return found


def violations(package: str) -> list[str]:
    import importlib

    package_dir = Path(importlib.import_module(package).__file__).parent
    allowed = ALLOWED[package] | {package}
    return [
        f"{file} imports {sorted(names - allowed)}"
        for file, names in imported_packages(package_dir).items()
        if names - allowed
    ]
