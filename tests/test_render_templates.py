"""The reports' markup is written by the Jinja2 templates (autoescaped) and by
render/html.py (the one table helper and figure embedder), never by an f-string in
another render module; the parts template renders its parts escaped and compact."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from markupsafe import Markup

import isms_analysis.render as render_pkg
from isms_analysis.render import fragment
from isms_analysis.render import html as H

RENDER = Path(render_pkg.__file__).parent
TAG = re.compile(r"</?(?:a|details|div|h[1-6]|header|li|nav|ol|p|script|section|span|style|summary|table|td|th|tr|ul)\b")


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants outside docstrings, f-string pieces included."""
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def test_no_markup_in_python_strings_outside_html_py() -> None:
    found = []
    for path in sorted(RENDER.glob("*.py")):
        if path.name == "html.py":
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if TAG.search(text):
                found.append(f"{path.name}:{line}: {text[:60]!r}")
    assert not found, "markup belongs in render/templates/:\n" + "\n".join(found)


def test_parts_are_escaped_and_compact() -> None:
    evil = "<script>alert('x')</script> & \"q\""
    out = fragment([
        {"empty": evil},
        {"heading": evil, "paragraph": evil, "html": Markup("<table></table>")},
        {"subheading": evil},
        {"side": [(evil, Markup("<b>t</b>"))]},
        {"provenance": Markup("<i>p</i>")},
    ])  # fmt: skip
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\n" not in out  # no whitespace between the tags
    assert out.startswith('<p class="isms-empty">&lt;script&gt;')
    assert '<div class="isms-side"><div><h4>&lt;script&gt;' in out and "<b>t</b></div></div>" in out
    assert out.endswith('<div class="isms-provenance"><i>p</i></div>')


def test_section_wrapper_takes_parts_or_a_fragment() -> None:
    expected = '<section class="isms-section isms-report x" id="s&amp;1"><h2>A &lt;b&gt;</h2><p>t</p></section>'
    assert H.section("A <b>", [{"paragraph": "t"}], "s&1", classes="x") == expected
    assert H.section("A <b>", "<p>t</p>", "s&1", classes="x") == expected
