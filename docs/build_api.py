"""Build the API reference (HTML) from the package's docstrings with pdoc.

    python docs/build_api.py [OUT]     # default: docs/api (generated, not committed)

``make docs`` runs this; ``tests/test_api_docs.py`` builds it too, so CI fails when a
docstring breaks the build."""

from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import pdoc
import pdoc.render

ROOT = Path(__file__).resolve().parents[1]


def modules() -> list[str]:
    """The package and every public module in it (pdoc lists only ``__all__`` otherwise)."""
    sys.path.insert(0, str(ROOT))
    import isms_analysis

    names = sorted(m.name for m in pkgutil.iter_modules(isms_analysis.__path__) if not m.name.startswith("_"))
    return ["isms_analysis", *(f"isms_analysis.{n}" for n in names)]


def build(out: Path) -> Path:
    pdoc.render.configure(
        docformat="restructuredtext",
        footer_text="isms-analysis API reference",
        search=True,
        show_source=True,
    )
    pdoc.pdoc(*modules(), output_directory=out)
    return out / "index.html"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "api"
    print(build(target))
