"""The wheels as a host gets them (issue 13): every distribution builds with poetry-core through
pip, and the runtime wheels carry what production needs and nothing else.

- Each runtime wheel: the MIT LICENSE (the repository's own text), its classifiers (Django 4.2,
  5.2, 6.0, 6.1; Python 3.11, 3.12), no Razorpay sandbox, no module importing pytest or a
  development-only distribution, no runtime module importing a ``testing`` helper, no test
  dependency outside the ``[test]`` extra, no demo data besides the seeders that only the
  ``seed_demo`` command runs, which refuses without DEBUG.
- The development-only distributions (razorpay-sandbox, peerlearn-testing) build on their own and
  say they must never be uploaded.
"""

import ast
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
RUNTIME = (
    "peerlearn-core",
    "peerlearn-bookings",
    "peerlearn-payouts",
    "peerlearn-rtc",
    "peerlearn-analytics",
)
DEVELOPMENT = ("razorpay-sandbox", "peerlearn-testing")
# Top-level modules no runtime wheel may import, even lazily inside a function.
DEVELOPMENT_IMPORTS = {
    "pytest",
    "_pytest",
    "pytest_django",
    "pytest_asyncio",
    "playwright",
    "razorpay_sandbox",
    "peerlearn_testing",
}
DEVELOPMENT_DISTRIBUTIONS = {
    "pytest",
    "pytest-django",
    "pytest-asyncio",
    "pytest-playwright",
    "playwright",
    "razorpay-sandbox",
    "peerlearn-testing",
}
DATA_SUFFIXES = {".json", ".jsonl", ".yaml", ".yml", ".xml", ".csv", ".sql", ".sqlite3", ".db"}
SEED_COMMAND = "peerlearn_core/management/commands/seed_demo.py"
SUPPORTED = {
    "Framework :: Django :: 4.2",
    "Framework :: Django :: 5.2",
    "Framework :: Django :: 6.0",
    "Framework :: Django :: 6.1",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
}
PRIVATE = "Private :: Do Not Upload"

pytestmark = pytest.mark.slow


def build(names: tuple[str, ...], out: Path) -> dict[str, zipfile.ZipFile]:
    """``pip wheel`` of the named packages in one call (no index, no build isolation: the
    poetry-core of the lock); returns ``{distribution name: wheel}``."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "--no-build-isolation", "--wheel-dir", str(out)),
            *(str(REPO / "packages" / name) for name in names),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    wheels = {}
    for name in names:
        [path] = out.glob(f"{name.replace('-', '_')}-*.whl")
        wheels[name] = zipfile.ZipFile(path)
    return wheels


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    return build(RUNTIME, tmp_path_factory.mktemp("runtime-wheels"))


@pytest.fixture(scope="module")
def development(tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    # Each on its own: neither needs the other (nor a runtime wheel) to build.
    wheels = {}
    for name in DEVELOPMENT:
        wheels |= build((name,), tmp_path_factory.mktemp(name))
    return wheels


def metadata(wheel: zipfile.ZipFile):
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel.read(name).decode("utf-8"))


def license_text(wheel: zipfile.ZipFile) -> bytes:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    return wheel.read(name)


def modules(wheel: zipfile.ZipFile) -> dict[str, ast.Module]:
    return {
        name: ast.parse(wheel.read(name), filename=name)
        for name in wheel.namelist()
        if name.endswith(".py")
    }


def imported(path: str, tree: ast.Module) -> set[str]:
    """Every dotted name a module imports (relative imports resolved, ``from a import b`` as
    both ``a`` and ``a.b``), anywhere in it: lazy imports inside functions count."""
    parts = path.removesuffix(".py").split("/")
    package = parts[:-1]  # a module's package; for an __init__.py, the package itself
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_runtime_wheels_carry_the_license_and_their_classifiers(runtime):
    root_license = (REPO / "LICENSE").read_bytes()
    assert b"MIT License" in root_license and b"PeerLearn contributors" in root_license
    for name, wheel in runtime.items():
        meta = metadata(wheel)
        assert meta["License-Expression"] == "MIT", name
        assert meta.get_all("License-File") == ["LICENSE"], name
        assert license_text(wheel) == root_license, name
        classifiers = set(meta.get_all("Classifier"))
        assert classifiers >= SUPPORTED, (name, SUPPORTED - classifiers)
        assert PRIVATE not in classifiers, name


def test_runtime_wheels_ship_no_sandbox_and_no_test_code(runtime):
    offences = []
    for name, wheel in runtime.items():
        offences += [f"{name}: {n}" for n in wheel.namelist() if "sandbox" in n.lower()]
        for path, tree in modules(wheel).items():
            bad = {m for m in imported(path, tree) if m.split(".")[0] in DEVELOPMENT_IMPORTS}
            offences += [f"{path} imports {m}" for m in sorted(bad)]
    assert offences == []


def test_runtime_code_never_imports_a_testing_helper(runtime):
    """``testing/`` modules (factories, socket clients) are for tests; no other module of a
    runtime wheel imports one, ours or a library's (``channels.testing`` needs daphne)."""
    offences = []
    for wheel in runtime.values():
        for path, tree in modules(wheel).items():
            if "testing" in path.split("/")[:-1]:
                continue
            bad = {m for m in imported(path, tree) if "testing" in m.split(".")}
            offences += [f"{path} imports {m}" for m in sorted(bad)]
    assert offences == []


def test_test_dependencies_only_behind_the_test_extra(runtime):
    for name, wheel in runtime.items():
        requirements = [Requirement(r) for r in metadata(wheel).get_all("Requires-Dist")]
        installed = {r.name.lower() for r in requirements if r.marker is None}
        assert not installed & DEVELOPMENT_DISTRIBUTIONS, name
        extra = {r.name.lower() for r in requirements if r.marker is not None}
        assert extra >= {"pytest", "pytest-django", "peerlearn-testing"}, name
        # The sandbox is never a dependency of a runtime package, not even an optional one.
        assert "razorpay-sandbox" not in installed | extra, name


def calls_to(tree: ast.AST, function: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and function in (getattr(node.func, "id", None), getattr(node.func, "attr", None))
    ]


def test_demo_data_is_only_seeders_behind_the_debug_guard(runtime):
    files = [n for wheel in runtime.values() for n in wheel.namelist()]
    assert [n for n in files if Path(n).suffix in DATA_SUFFIXES] == []
    assert [n for n in files if "fixtures" in n.split("/")] == []
    trees = {path: tree for wheel in runtime.values() for path, tree in modules(wheel).items()}
    # Seeders only register in ready(); running them takes seed_demo(), which one command calls.
    callers = {path for path, tree in trees.items() if calls_to(tree, "seed_demo")}
    assert callers == {SEED_COMMAND}
    [handle] = [
        node
        for node in ast.walk(trees[SEED_COMMAND])
        if isinstance(node, ast.FunctionDef) and node.name == "handle"
    ]
    guards = [
        node.lineno
        for node in ast.walk(handle)
        if isinstance(node, ast.If)
        and "DEBUG" in ast.unparse(node.test)
        and any(isinstance(statement, ast.Raise) for statement in node.body)
    ]
    [seeding] = calls_to(handle, "seed_demo")
    assert guards and min(guards) < seeding, "seed_demo must refuse without DEBUG before seeding"


def test_development_distributions_build_on_their_own(development):
    root_license = (REPO / "LICENSE").read_bytes()
    for name, wheel in development.items():
        meta = metadata(wheel)
        assert PRIVATE in meta.get_all("Classifier"), name
        assert license_text(wheel) == root_license, name
    sandbox = development["razorpay-sandbox"]
    shipped = set(sandbox.namelist())
    for module in ("__main__.py", "server.py", "api.py", "checkout.html", "checkout.js"):
        assert f"razorpay_sandbox/{module}" in shipped, module
    # Standard library plus requests: no Django, no PeerLearn package.
    requirements = [Requirement(r) for r in metadata(sandbox).get_all("Requires-Dist")]
    assert {r.name.lower() for r in requirements if r.marker is None} == {"requests"}
