"""The text catalogue: complete in both languages, strict on unknown keys, and every
key the code and the templates use exists; shared terms are not translated twice."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from isms_analysis import text

PACKAGE = Path(text.__file__).parent
TEMPLATES = PACKAGE / "render" / "templates"
LOOKUPS = {"t", "pair", "has", "count_text"}  # functions taking a full "<namespace>.<name>" key first

# English texts that legitimately have two Danish texts: Danish distinguishes what
# English does not (see docs/vocabulary.md "Resolved wording").
SAME_ENGLISH_ALLOWED = {
    "Municipality": {"Kommunen", "Kommune"},  # the perspective / the municipality's name
    "Reason": {"Begrundelse", "Årsag"},  # justification (decisions, SoA) / cause of a change
    "Closed": {"Lukkede", "Lukket"},  # count column / one risk's change
    "New": {"Nye", "Ny"},  # count column / one risk's change
}


def test_every_key_has_danish_and_english_text() -> None:
    cat = text.catalogue()
    assert cat, "empty catalogue"
    empty = [k for k, (da, en) in cat.items() if not da.strip() or not en.strip()]
    assert not empty, empty


def test_lookup() -> None:
    assert text.t("common.controls") == "Foranstaltninger"
    assert text.t("common.controls", "en") == "Controls"
    assert text.pair("common.package_version") == ("isms-analysis version", "isms-analysis version")
    assert text.t("common.more_plain", "en", n=3) == "… and 3 more"
    assert text.has("common.risk_id") and not text.has("common.nope")
    assert text.labels("common", "en")["risk_id"] == "Risk ID"


def test_unknown_key_raises_with_close_matches() -> None:
    with pytest.raises(KeyError, match=r"common\.contrls.*common\.controls"):
        text.t("common.contrls")
    with pytest.raises(KeyError, match="nope"):
        text.pair("nope")
    with pytest.raises(KeyError, match="nosuchspace"):
        text.labels("nosuchspace")


def test_a_malformed_catalogue_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "ns.toml").write_text('[a]\nda = "x"\nen = "y"\n\n[a]\nda = "z"\nen = "w"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ns.toml"):
        text.load(tmp_path)
    (tmp_path / "ns.toml").write_text('[a]\nda = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ns.a"):
        text.load(tmp_path)
    (tmp_path / "ns.toml").write_text('[a]\nda = "x"\nen = "y"\n', encoding="utf-8")
    assert text.load(tmp_path) == {"ns.a": ("x", "y")}


def test_unknown_language_raises() -> None:
    with pytest.raises(ValueError, match="de"):
        text.t("common.risk_id", "de")
    with pytest.raises(ValueError):
        text.labels("common", "sv")


def _code_keys() -> dict[str, list[str]]:
    """Literal keys passed to t/pair/has (first argument) and labels (namespace) in the package."""
    used: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "text.py":
            _keys_in(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)), used)
    return used


def _keys_in(source: str, where: str, used: dict[str, list[str]]) -> None:
    tree = ast.parse(source, filename=where)
    aliases = _catalogue_names(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = _called_name(node.func, aliases)
        arg = node.args[0]
        if name is None or not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        key = f"labels:{arg.value}" if name == "labels" else arg.value
        used.setdefault(key, []).append(f"{where}:{node.lineno}")


def _catalogue_names(tree: ast.Module) -> dict[str, str]:
    """Local names bound to the catalogue's functions or module (``from .text import t as tx``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "text":
            for alias in node.names:
                if alias.name in LOOKUPS | {"labels"}:
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "text":
                    names[alias.asname or "text"] = "<module>"
    return names


def _called_name(func: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(func, ast.Name) and func.id in aliases and aliases[func.id] != "<module>":
        return aliases[func.id]
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and aliases.get(func.value.id) == "<module>"
        and func.attr in LOOKUPS | {"labels"}
    ):
        return func.attr
    return None


def _template_keys() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    pattern = re.compile(r"""\bt\(\s*(['"])([^'"]+)\1""")
    for path in TEMPLATES.glob("*.j2"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in pattern.finditer(line):
                used.setdefault(m.group(2), []).append(f"{path.name}:{n}")
    return used


def test_every_key_used_in_code_and_templates_exists() -> None:
    namespaces = {k.split(".", 1)[0] for k in text.catalogue()}
    missing = {}
    for key, where in {**_code_keys(), **_template_keys()}.items():
        if key.startswith("labels:"):
            if key.removeprefix("labels:") not in namespaces:
                missing[key] = where
        elif not text.has(key):
            missing[key] = where
    assert not missing, missing


def test_key_scan_sees_every_import_form() -> None:
    """Guard against a scan that silently finds nothing."""
    source = (
        "from .text import t, labels\n"
        "from ..text import pair as p\n"
        "from . import text\n"
        "t('a.one', lang)\np('a.two')\ntext.t('a.three')\ntext.has('a.four')\nlabels('ns', 'en')\n"
        "other.t('not.this')\n"
    )
    used: dict[str, list[str]] = {}
    _keys_in(source, "x.py", used)
    assert set(used) == {"a.one", "a.two", "a.three", "a.four", "labels:ns"}


def test_common_terms_are_not_redefined() -> None:
    """A namespace neither redefines a common name with other text nor translates a common
    English term differently (the playbook's wording, e.g. "Foranstaltninger", wins)."""
    cat = text.catalogue()
    common = {k.removeprefix("common."): v for k, v in cat.items() if k.startswith("common.")}
    danish_for: dict[str, set[str]] = {}
    for da, en in common.values():
        danish_for.setdefault(en.casefold(), set()).add(da.casefold())
    problems = []
    for key, (da, en) in cat.items():
        namespace, name = key.split(".", 1)
        if namespace == "common":
            continue
        if name in common and common[name] != (da, en):
            problems.append(f"{key} redefines common.{name}: {(da, en)} != {common[name]}")
        allowed = {d.casefold() for e, ds in SAME_ENGLISH_ALLOWED.items() if e.casefold() == en.casefold() for d in ds}
        known = danish_for.get(en.casefold())
        if known and da.casefold() not in known | allowed:
            problems.append(f"{key}: '{en}' is '{'/'.join(sorted(known))}' in common, not '{da}'")
    assert not problems, problems


def test_count_text_follows_the_count():
    from isms_analysis.text import count_text

    key = "followup.intro_unverified"
    assert count_text(key, 0).startswith("Ingen risici bygger på en foranstaltning")
    assert count_text(key, 1).startswith("1 risiko bygger på en foranstaltning") and "Dens restrisiko" in count_text(key, 1)
    assert count_text(key, 3).startswith("3 risici bygger på en foranstaltning") and "Deres restrisiko" in count_text(key, 3)
    assert count_text(key, 0, "en") == "No risk relies on a control whose check in the annual wheel is overdue."
    assert count_text(key, 1, "en").startswith("1 risk relies") and count_text(key, 2, "en").startswith("2 risks rely")
    assert count_text("committee.s_above", 1, areas="Skoler (1)") == (
        "1 risiko ligger over tolerancen efter håndtering, inden for Skoler (1)."
    )
    assert count_text("committee.s_above", 1425, n="1.425", areas="Skoler").startswith("1.425 risici ligger")
    assert count_text("trend.escalated_n", 1, "en") == "Escalations: 1 risk rose in level"
    assert count_text("figures.n_risks", 2) == "2 risici"  # no _none variant: 0 stays "0 risici"
    assert count_text("figures.n_risks", 0) == "0 risici"
