"""The package's shape, checked from its source: no import cycles (imports inside
functions count), no reaching into another module's private names, no module importing
the package root, and the analysis layer free of plotting, templating, Excel and
database libraries. The layer order itself is import-linter's job (``.importlinter``,
run by ``make test``); these checks read the source with ``ast`` so they also run where
import-linter is not installed and they name the offending line."""

from __future__ import annotations

import ast
import configparser
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "isms_analysis"
CONTRACTS = ROOT / ".importlinter"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # dotted module name inside the package, or the top-level external package
    names: tuple[str, ...]  # names taken from the target with "from ... import"
    line: int
    internal: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> list[Import]:
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                internal = alias.name.split(".")[0] == "isms_analysis"
                target = alias.name if internal else alias.name.split(".")[0]
                found.append(Import(name, target, (), node.lineno, internal))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source.split(".")[0] != "isms_analysis":
                found.append(Import(name, source.split(".")[0], (), node.lineno, False))
                continue
            plain = []
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:  # "from . import scoring" imports a module
                    found.append(Import(name, submodule, (), node.lineno, True))
                else:
                    plain.append(alias.name)
            if plain:
                found.append(Import(name, source, tuple(plain), node.lineno, True))
    return found


IMPORTS = [imp for name in MODULES for imp in imports_of(name)]


def where(imp: Import) -> str:
    return f"{MODULES[imp.importer].relative_to(ROOT)}:{imp.line}"


def test_the_source_is_found() -> None:
    # guards the checks below against passing on an empty package
    assert {"isms_analysis", "isms_analysis.scoring", "isms_analysis.cli"} <= set(MODULES)
    assert len([i for i in IMPORTS if i.internal]) > 100


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in IMPORTS:
        if imp.internal and imp.target != imp.importer and imp.target in MODULES and imp.importer != "isms_analysis":
            graph[imp.importer].add(imp.target)
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles (imports inside functions count):\n" + "\n".join(
        " ⇄ ".join(sorted(c)) for c in cycles
    )


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative; only components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(component)
    return out


def test_the_cycle_finder_finds_cycles() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_private_names_from_other_modules() -> None:
    bad = [
        f"{where(i)}: {i.target}.{n}"
        for i in IMPORTS
        if i.internal and i.target != i.importer
        for n in i.names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_no_module_imports_the_package_root() -> None:
    # the root's lazy public API imports everything; a module importing it back is a cycle
    bad = [where(i) for i in IMPORTS if i.internal and i.target == "isms_analysis" and i.importer != "isms_analysis"]
    assert not bad, "import from isms_analysis.version (or the module itself), not the package root:\n" + "\n".join(bad)


def contract(name: str) -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(CONTRACTS, encoding="utf-8")
    return config[f"importlinter:contract:{name}"]


def listed(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def test_analysis_imports_no_plotting_templating_excel_or_database() -> None:
    section = contract("analysis-is-pure")
    sources = listed(section["source_modules"])
    forbidden = set(listed(section["forbidden_modules"]))
    assert {"plotly", "jinja2", "openpyxl", "duckdb"} <= forbidden
    missing = [s for s in sources if s not in MODULES]
    assert not missing, f"analysis modules named in .importlinter but not in the package: {missing}"
    bad = [f"{where(i)}: {i.target}" for i in IMPORTS if i.importer in sources and i.target in forbidden]
    assert not bad, "analysis modules importing presentation or storage libraries:\n" + "\n".join(bad)


def test_every_module_has_a_layer() -> None:
    layers = listed(contract("layers")["layers"])
    named = {part.strip() for layer in layers for part in layer.replace("|", ":").split(":")}
    top_level = {name.split(".")[1] for name in MODULES if name.count(".") >= 1}
    assert top_level - named == set(), f"modules without a layer in .importlinter: {sorted(top_level - named)}"
    assert named - top_level == set(), f"layers naming no module: {sorted(named - top_level)}"


def test_the_architecture_notes_name_every_layer_module() -> None:
    # docs/architecture.md is where a newcomer looks a module up: none may be missing there
    notes = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layers = listed(contract("layers")["layers"])
    named = {part.strip() for layer in layers for part in layer.replace("|", ":").split(":")}
    missing = sorted(m for m in named if f"`{m}`" not in notes and f"`{m}.py`" not in notes and f"`{m}/`" not in notes)
    assert not missing, f"modules missing from docs/architecture.md: {missing}"
