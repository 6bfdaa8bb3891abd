"""Where Chromium is: found on the PATH (or named by ``$ISMS_CHROMIUM``), never a fixed path.

Chromium is needed only to print reports as PDF (``--pdf``) and by the browser tests;
everything else runs without it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")


def chromium_path() -> Path | None:
    """The Chromium (or Chrome/Edge) executable: ``$ISMS_CHROMIUM`` if set, else the first of
    :data:`NAMES` on the PATH; ``None`` when there is none."""
    env = os.environ.get("ISMS_CHROMIUM", "").strip()
    if env:
        return Path(env) if Path(env).exists() else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None
