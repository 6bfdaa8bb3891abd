"""``import isms_analysis`` stays light: at most 1.2 x ``import pandas`` and without the heavy
libraries, which load only when a feature that needs them is used.

Each run is a fresh interpreter (nothing cached in ``sys.modules``) that times ``import pandas``
and then the rest of ``import isms_analysis``: the package's import is the sum of the two, and
both parts see the same load on the machine, which is shared with other work while the suite
runs. The median over five runs of (pandas + rest) / pandas is compared with the limit.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
MAX_RATIO = 1.2
HEAVY = ("plotly", "pandera", "duckdb", "jinja2", "openpyxl", "papermill", "nbconvert")

_TIMED = """
import json, sys, time
t0 = time.perf_counter()
import pandas
t1 = time.perf_counter()
import isms_analysis
t2 = time.perf_counter()
print(json.dumps({"pandas": t1 - t0, "package": t2 - t0, "heavy": [m for m in %r if m in sys.modules]}))
"""

# Scoring is analysis: using it must not pull in figures, templates, Excel, the store or pandera.
_SCORED = """
import json, sys
import pandas as pd
import isms_analysis as isms
assets = pd.DataFrame({"asset_id": ["AS1"], "name": ["Sagssystem"],
                       **{f"consequence_municipality_{p}": [3] for p in "cia"},
                       **{f"consequence_data_subject_{p}": [2] for p in "cia"}})
risks = pd.DataFrame({"risk_id": ["R-1"], "asset_id": ["AS1"], "threat_id": ["T1"], "likelihood": [3]})
a = isms.Assessment(assets=assets, threats=pd.DataFrame({"threat_id": ["T1"]}), risks=risks)
isms.score(a)
isms.read_workbook  # resolving the name must not load the reader's pandera schemas either
print(json.dumps([m for m in %r if m in sys.modules]))
"""


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def runs() -> list[dict]:
    return [json.loads(_run(_TIMED % (HEAVY,))) for _ in range(RUNS)]


@pytest.mark.slow  # several seconds; left out by make test-fast
def test_import_is_at_most_1_2_times_pandas(runs):
    pandas = statistics.median(r["pandas"] for r in runs)
    package = statistics.median(r["package"] for r in runs)
    ratio = statistics.median(r["package"] / r["pandas"] for r in runs)
    print(f"import pandas {pandas:.3f} s, import isms_analysis {package:.3f} s, median ratio {ratio:.2f}")
    assert ratio <= MAX_RATIO, (
        f"import isms_analysis takes {ratio:.2f} x import pandas ({package:.3f} s / {pandas:.3f} s)"
    )


def test_import_loads_no_heavy_library():
    heavy = json.loads(_run(_TIMED % (HEAVY,)))["heavy"]
    assert heavy == [], f"import isms_analysis loaded {heavy}"


def test_scoring_loads_no_heavy_library():
    assert json.loads(_run(_SCORED % (HEAVY,))) == []
