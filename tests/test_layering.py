"""The direction of imports between smemu's layers, read from every module's source with ``ast``.

* ``smemu.contract`` and ``smemu.proto`` import nothing of smemu (both sides of the container
  boundary import them);
* ``smemu.formats`` imports nothing of smemu but ``smemu.proto``;
* ``smemu.algorithms`` (batches of arrays in, arrays out) import formats and proto only — never
  the /opt/ml contract, the container, the host side or the commands;
* ``smemu.containers`` (what runs inside the image) never import the host side or the commands.

Imports inside functions count, and so do ``importlib.import_module("smemu....")`` strings.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "smemu"

# layer -> the smemu packages it may import besides itself (None: any)
ALLOWED = {
    "smemu.contract": (),
    "smemu.proto": (),
    "smemu.formats": ("smemu.proto",),
    "smemu.algorithms": ("smemu.formats", "smemu.proto"),     # no files, no /opt/ml
    "smemu.containers": ("smemu.contract", "smemu.formats", "smemu.proto", "smemu.algorithms"),
}


def module_name(path: Path, package_root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, name: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, the module ``name``."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # ``from smemu import contract`` imports smemu.contract
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _is_package_itself(module: str) -> bool:
    """``smemu`` itself, or ``smemu.<name>`` from ``from smemu import <name>`` of a non-module."""
    return module == "smemu"


def violations(package_root: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package_root.rglob("*.py")):
        name = module_name(path, package_root)
        layer = next((lay for lay in ALLOWED if _within(name, lay)), None)
        if layer is None:
            continue
        allowed = (layer, *ALLOWED[layer])
        for line, target in imported_modules(path.read_text(), name, path.name == "__init__.py"):
            if not _within(target, "smemu") or _is_package_itself(target):
                continue
            if not any(_within(target, ok) for ok in allowed):
                problems.append(f"{path.relative_to(package_root.parent)}:{line}: {layer} "
                                f"imports {target}")
    return problems


def test_imports_follow_the_layers():
    assert violations() == []


def test_a_wrong_import_is_caught(tmp_path):
    """The check itself can fail: a container module importing the host side, a format
    importing an algorithm (relatively), and an algorithm loading a command by name."""
    root = tmp_path / "smemu"
    for folder in ("containers", "formats", "algorithms/kmeans"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "containers" / "bad.py").write_text(
        "from smemu import contract\n\ndef f():\n    from smemu.emulator import staging\n")
    (root / "formats" / "bad.py").write_text("from ..algorithms import base\nfrom . import csv\n")
    (root / "algorithms" / "kmeans" / "bad.py").write_text(
        "import importlib\nimportlib.import_module('smemu.commands.train')\n"
        "from .. import errors\n")
    assert violations(root) == [
        "smemu/algorithms/kmeans/bad.py:2: smemu.algorithms imports smemu.commands.train",
        "smemu/containers/bad.py:4: smemu.containers imports smemu.emulator.staging",
        "smemu/formats/bad.py:1: smemu.formats imports smemu.algorithms.base",
    ]
