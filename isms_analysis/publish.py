"""Publish a set of files into a folder without losing anything that was there.

Used by ``isms export-parquet``: everything is first written into a fresh staging
folder, then moved into place. The rules:

- a target that does not exist is created by renaming the staging folder (atomic);
- an empty target simply receives the files;
- a non-empty target is refused unless ``force``; even then nothing is deleted or
  replaced that this tool did not write: a file is replaced only when the previous
  export's manifest (``.isms-export.json``) lists it with the same sha256, and a
  file the previous export wrote that the new one does not is removed on the same
  condition. Anything else in the way (a user's file, a folder, a symlink) stops the
  publication before a single file is moved;
- symlinks inside the target are never followed: a path through one is refused.

All checks run before the first move, so a refused publication leaves the target as
it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import UserError

MANIFEST = ".isms-export.json"
STAGING_PREFIX = ".isms-export-"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> list[Path]:
    """Regular files below ``root`` (relative), sorted; the staging folder holds nothing else."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _write_error(target: Path, exc: OSError) -> UserError:
    return UserError(
        f"Kan ikke skrive i mappen {target}: {exc.strerror or exc}. Vælg en mappe, du har skriveadgang til.",
        f"Cannot write to the folder {target}: {exc.strerror or exc}. Choose a folder you can write to.",
    )


def _refuse(target: Path, what: Path, da: str, en: str) -> UserError:
    return UserError(
        f"Eksporten skriver ikke i {target}: {what} {da}. Intet er ændret; eksportér til en ny, tom mappe.",
        f"The export does not write to {target}: {what} {en}. Nothing was changed; export to a new, empty folder.",
    )


def _manifest(target: Path) -> dict[str, str]:
    p = target / MANIFEST
    try:
        if p.is_symlink() or not p.is_file():
            return {}
        data = json.loads(p.read_text(encoding="utf-8"))
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def _inside(target: Path, rel: Path) -> list[Path]:
    """The folders between ``target`` and ``target / rel`` (exclusive), outermost first."""
    return [target.joinpath(*rel.parts[:i]) for i in range(1, len(rel.parts))]


def _check_path(target: Path, rel: Path, known: dict[str, str]) -> bool:
    """Whether ``target / rel`` already holds a file the previous export wrote (to replace);
    raises when anything else is in the way. Never follows a symlink."""
    for folder in _inside(target, rel):
        try:
            st = folder.lstat()
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(st.st_mode):
            raise _refuse(target, folder, "er et symbolsk link", "is a symbolic link")
        if not stat.S_ISDIR(st.st_mode):
            raise _refuse(target, folder, "er en fil, hvor eksporten skal bruge en mappe",
                          "is a file where the export needs a folder")  # fmt: skip
    dest = target / rel
    try:
        st = dest.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(target, dest, "er et symbolsk link", "is a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(target, dest, "findes allerede og er ikke en fil", "exists and is not a file")
    if known.get(rel.as_posix()) != _sha256(dest):
        raise _refuse(target, dest, "findes allerede og er ikke skrevet af en tidligere eksport",
                      "exists and was not written by an earlier export")  # fmt: skip
    return True


def _is_empty_dir(p: Path) -> bool:
    try:
        return p.is_dir() and not p.is_symlink() and not any(p.iterdir())
    except OSError:
        return False


@contextmanager
def staged(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; when the block ends without an error, publish its
    files into ``target`` (see the module doc). The staging folder is always removed."""
    target = Path(target)
    if target.is_symlink() and not target.exists():
        raise _refuse(target, target, "er et symbolsk link, der ikke peger på noget", "is a dangling symbolic link")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} findes og er ikke en mappe.", f"{target} exists and is not a folder.")
    fresh = not target.exists()
    if not fresh and not force:
        with_files = [p.name for p in target.iterdir() if not p.name.startswith(STAGING_PREFIX)]
        if with_files:
            raise UserError(
                f"Mappen {target} er ikke tom. Eksportér til en ny mappe, eller brug --force for at skrive ind i "
                "den (kun filer fra en tidligere eksport erstattes; intet andet slettes).",
                f"The folder {target} is not empty. Export to a new folder, or use --force to write into it "
                "(only files from an earlier export are replaced; nothing else is deleted).",
            )
    try:
        if fresh:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING_PREFIX}", dir=target.parent))
        else:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target))
    except OSError as exc:
        raise _write_error(target if target.exists() else target.parent, exc) from None
    try:
        yield staging
        files = _files(staging)
        new = {f.as_posix(): _sha256(staging / f) for f in files}
        (staging / MANIFEST).write_text(
            json.dumps({"files": new}, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8"
        )
        if fresh:
            try:
                os.rename(staging, target)  # atomic: the folder appears whole
                return
            except OSError:  # someone created it meanwhile: publish into it like any existing folder
                if not target.is_dir() or target.is_symlink():
                    raise
        _publish_into(staging, target, files, force=force)
    except OSError as exc:
        raise _write_error(target, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish_into(staging: Path, target: Path, files: list[Path], *, force: bool) -> None:
    known = _manifest(target) if force else {}
    replace = {f for f in files if _check_path(target, f, known)}  # every check before the first move
    stale: list[Path] = []
    for rel in sorted(set(known) - {f.as_posix() for f in files}):
        p = target / rel
        try:
            if all(not q.is_symlink() for q in (*_inside(target, Path(rel)), p)) and p.is_file() and (
                _sha256(p) == known[rel]
            ):
                stale.append(Path(rel))
        except OSError:
            continue
    mf = target / MANIFEST
    if mf.is_symlink() or (mf.exists() and not mf.is_file()):
        raise _refuse(target, mf, "er ikke en almindelig fil", "is not a regular file")
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel not in replace and dest.exists():
            raise _refuse(target, dest, "opstod under eksporten", "appeared during the export")
        os.replace(staging / rel, dest)
    for rel in stale:  # files of the previous export that this one no longer writes
        (target / rel).unlink(missing_ok=True)
        for folder in reversed(_inside(target, rel)):
            if not _is_empty_dir(folder):
                break
            folder.rmdir()
    os.replace(staging / MANIFEST, mf)
