"""Rendering of the committee report: Jinja2 templates with autoescaping
(``templates/*.html.j2``), the report's static CSS and JavaScript (``static/``) and
one helper for Danish/English numbers and dates (:mod:`.fmt`, Babel)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup


@cache
def environment() -> Any:
    """The package's Jinja2 environment: autoescaping on for every template, strict
    undefined variables (a missing value is a bug, not an empty cell)."""
    import jinja2

    from ..text import t
    from . import fmt

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("isms_analysis.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["num"] = fmt.number
    env.filters["dec"] = fmt.decimal
    env.filters["date"] = fmt.date
    env.filters["css_string"] = css_string
    env.globals["t"] = t  # templates: {{ t('common.risk_id', lang) }}
    return env


def css_string(value: Any) -> str:
    """A value as the inside of a CSS string in a <style> element: quotes, backslashes,
    markup characters and line breaks as CSS escapes (so "</style>" cannot occur)."""
    out = []
    for ch in str(value):
        if ch in "\\\"'<>&" or ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context`` (values escaped unless they are
    :class:`markupsafe.Markup`, e.g. a table already rendered by :func:`safe`)."""
    return environment().get_template(template).render(**context)


def fragment(parts: list[dict[str, Any]]) -> Markup:
    """The parts of ``templates/parts.html.j2`` (headings, paragraphs, tables side by
    side, ...) as one escaped fragment, for a template that places it."""
    return Markup(render("parts.html.j2", parts=parts))


def safe(fragment: str) -> Markup:
    """Mark an HTML fragment built by the package's own escaping helpers as safe."""
    return Markup(fragment)


def static(name: str) -> str:
    """The text of a static file shipped with the package (CSS, JavaScript)."""
    return resources.files("isms_analysis.render").joinpath("static", name).read_text(encoding="utf-8")
