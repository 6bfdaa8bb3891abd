"""A deterministic synthetic municipality ("Eksempel Kommune") over quarterly rounds.

The sample exercises every part of the method in KL's playbook with data a
coordinator would recognise, and nothing real:

- **Assets** across the municipality's departments (social services, health and
  elderly care, children, job centre, schools, finance, digitalisation and IT, the
  secretariat with the archives, citizen service, technical services) of every
  asset type; processing activities
  carry KLE numbers; assets without personal data have no data-subject
  consequences (blank), so they are scored for the municipality only.
- **Risks** are asset x relevant threat from the default threat catalogue; the
  likelihood, the treatment and the residual risk follow the KL matrix: the level
  (asked from the matrix, never derived from the product) decides whether a risk is
  accepted, mitigated, transferred or avoided, judged against the committee's
  tolerance per area and perspective. Likelihood depends on the threat (phishing,
  ransomware and misdirected letters likely; lightning and sabotage rare). Risks
  within tolerance are accepted through the round's approval; above it, acceptances
  name who (a person in the Roller sheet with the authority) and when, with a
  review date. A few expire unrenewed, lack the date, or are made without authority,
  and some new risks await a decision: per round 5-40 pending decisions and a few
  breaches (see :mod:`isms_analysis.decisions`). Transfers are rare and never on
  staff.
- **Movement between rounds**: risks keep their IDs; new risks appear (also on
  new assets), others close (also with a retired asset), completed mitigations
  lower the likelihood, a few risks escalate, and in one quarter (2025 Q3 with the
  defaults) a ransomware scare raises the likelihood of malware-type threats,
  which are then treated down.
- **Optional sheets**: a risk profile (Under middel by default, Middel for the
  municipality's economic risks and the technical services), the Roller sheet, an
  SoA of all 93 Annex A controls plus own controls, an action plan and an annual
  wheel whose activities check controls.

Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order and
dated from the round labels: the same arguments give the same frames and files.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .catalogue import annex_a, default_threats
from .errors import UserError
from .matrix import TREATMENT_CLASSES, RiskMatrix
from .matrix import matrix as get_matrix
from .tolerance import spec_of, tolerance_table

# The bundled sample in the source tree (data/sample/, written by `isms sample` / `make sample`).
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_workbooks(directory: str | Path | None = None) -> list[Path]:
    """The sample municipality's workbooks, oldest round first."""
    d = Path(directory) if directory is not None else SAMPLE_DIR
    return sorted(d.glob("eksempel-kommune-*-Q*.xlsx"))


def require_sample_workbooks() -> list[Path]:
    """The sample's workbooks (as :func:`sample_workbooks`); ``UserError`` when there are none."""
    found = sample_workbooks()
    if not found:
        raise UserError(
            "Eksempeldata findes ikke (kør 'isms sample data/sample').",
            "No sample data (run 'isms sample data/sample').",
        )
    return found

# -- the municipality: package data under data/sample/ ---------------------------------------------
# settings.toml holds the names, the calendar and the simulation's parameters; the CSV files hold
# the tables (areas and their heads, tolerance, roles, asset templates, threat categories and their
# vulnerabilities, own and not-applicable controls, the improvement plan and the annual wheel).


@dataclass(frozen=True)
class _AssetTemplate:
    name: str
    type: str
    area: str
    personal_data: str
    critical: bool
    municipality: tuple[int, int, int]
    data_subject: tuple[int, int, int] | None
    downtime: str = ""
    kle: str = ""
    notes: str = ""
    first: int = 0  # first round present, counted from the end (0 = from the start)
    last: int = 0  # last round present, counted from the end (0 = still present)


@dataclass(frozen=True)
class _Data:
    """The sample's tables, as the generator uses them (see data/sample/)."""

    areas: dict[str, tuple[str, str, str]]  # area -> (head of area = risk owner, system owner, data owner)
    tolerance: dict[tuple[str, str], str]  # (area, perspective or "" for both) -> max accepted level
    roles: tuple[tuple[str, str, str], ...]  # (name, role, max_level) before the heads of area
    assets: tuple[_AssetTemplate, ...]
    types: tuple[str, ...]  # asset types, in the order of the relevance columns
    relevance: dict[str, tuple[float, ...]]  # threat category -> P(pair is a risk) per asset type
    vulnerabilities: dict[str, tuple[str, ...]]
    existing: dict[str, str]
    controls: dict[str, tuple[str, ...]]  # Annex A controls that treat a category (most typical first)
    own_controls: tuple[tuple[str, str, str, str], ...]  # control_id, title, status early, status late
    own_responsible: dict[str, str]
    not_applicable: dict[str, str]  # control -> justification ("" = left blank on purpose)
    improvements: tuple[tuple[str, str, str, str, str, int], ...]  # id, title, controls, start, deadline, late
    wheel: tuple[tuple[str, str, str, str, int | None, str, str], ...]


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files("isms_analysis").joinpath("data", "sample", name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _rows(name: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in _read_csv(name).itertuples(index=False)]


@cache
def _settings() -> dict[str, Any]:
    with resources.files("isms_analysis").joinpath("data", "sample", "settings.toml").open("rb") as fh:
        return tomllib.load(fh)


@cache
def _data() -> _Data:
    """Read the sample's tables once."""

    def cons(*values: str) -> tuple[int, int, int] | None:
        return tuple(int(v) for v in values) if all(values) else None  # type: ignore[return-value]

    assets = tuple(
        _AssetTemplate(name, type_, area, pd_, critical == "true", cons(mc, mi, ma), cons(dc, di, da),
                       downtime, kle, notes, int(first), int(last))
        for name, type_, area, pd_, critical, mc, mi, ma, dc, di, da, downtime, kle, notes, first, last
        in _rows("assets.csv")
    )  # fmt: skip
    categories = _read_csv("threat_categories.csv")
    types = tuple(c for c in categories.columns if c not in ("category", "existing_controls", "controls"))
    cats = [str(c) for c in categories["category"]]
    vulnerabilities: dict[str, tuple[str, ...]] = {}
    for category, text in _rows("vulnerabilities.csv"):
        vulnerabilities[category] = (*vulnerabilities.get(category, ()), text)
    own = _rows("own_controls.csv")
    return _Data(
        areas={area: (risk, system, data) for area, risk, system, data in _rows("areas.csv")},
        tolerance={(area, persp): level for area, persp, level in _rows("tolerance.csv")},
        roles=tuple(_rows("roles.csv")),  # type: ignore[arg-type]
        assets=assets,
        types=types,
        relevance={c: tuple(float(categories.at[k, t]) for t in types) for k, c in enumerate(cats)},
        vulnerabilities=vulnerabilities,
        existing=dict(zip(cats, map(str, categories["existing_controls"]), strict=True)),
        controls={
            c: tuple(x.strip() for x in str(s).split(";")) for c, s in zip(cats, categories["controls"], strict=True)
        },
        own_controls=tuple(row[:4] for row in own),  # type: ignore[misc]
        own_responsible={row[0]: row[4] for row in own},
        not_applicable=dict(_rows("not_applicable.csv")),  # type: ignore[arg-type]
        improvements=tuple((*row[:5], int(row[5])) for row in _rows("improvements.csv")),  # type: ignore[misc]
        wheel=tuple((*row[:4], int(row[4]) if row[4] else None, *row[5:]) for row in _rows("wheel.csv")),  # type: ignore[misc]
    )


def _person(key: str) -> str:
    """A person or body of the sample (settings.toml [people]): coordinator, committee, ..."""
    return str(_settings()["people"][key])


STILL_PRESENT = 10**6  # "last round" of an asset that is not retired
_PERIOD = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}

# Risk treatments and statuses as codes in the simulation.
_TREAT = np.array(["mitigate", "accept", "avoid", "transfer"], dtype=object)
NONE, MITIGATE, ACCEPT, AVOID, TRANSFER = -1, 0, 1, 2, 3
OPEN, IN_PROGRESS, CLOSED = 0, 1, 2
_STATUS = np.array(["open", "in_progress", "closed"], dtype=object)


# -- calendar -------------------------------------------------------------------------------------
def round_labels(rounds: int = 8) -> list[str]:
    """The quarterly round labels, oldest first, ending with "2026 Q3"."""
    year, quarter = _settings()["last_round"]
    end = year * 4 + quarter - 1
    return [_label(q) for q in range(end - rounds + 1, end + 1)]


def _label(qn: int) -> str:
    return f"{qn // 4} Q{qn % 4 + 1}"


def _quarter_last_day(qn: int) -> dt.date:
    year, month = qn // 4, (qn % 4 + 1) * 3
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def assessment_date(qn: int) -> dt.date:
    """The last working day of the quarter (before Christmas in Q4)."""
    last = _quarter_last_day(qn)
    if last.month == 12:
        last = last.replace(day=18)
    return _weekday_on_or_before(last)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def approval_date(qn: int) -> dt.date:
    """The committee meets the third Wednesday of the month after the round; after
    the second quarter it meets after the summer holiday, in the second week of August."""
    year, q = qn // 4, qn % 4 + 1
    if q == 2:
        return _nth_weekday(year, 8, 2, 2)
    month = q * 3 + 1
    return _nth_weekday(year + (month > 12), (month - 1) % 12 + 1, 2, 3)


def scare_index(labels: list[str]) -> int | None:
    """Position of the ransomware quarter (settings.toml: scare_round), else the middle round."""
    scare_round = _settings()["scare_round"]
    if scare_round in labels:
        return labels.index(scare_round)
    return len(labels) // 2 if len(labels) >= 2 else None


# -- the generator --------------------------------------------------------------------------------
def generate(rounds: int = 8, risks: int = 1500, seed: int = 0) -> list[Assessment]:
    """One :class:`Assessment` per quarterly round, oldest first (newest "2026 Q3").

    Each round has about ``risks`` risks (between 95 % and 100 % of it, growing
    towards the newest round). Pure and deterministic: the same arguments give
    equal frames.
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    if risks < 1:
        raise ValueError("risks must be at least 1")
    rng = np.random.default_rng(seed)
    settings = _settings()
    m = get_matrix(settings["matrix"])
    labels = round_labels(rounds)
    year, quarter = settings["last_round"]
    end_qn = year * 4 + quarter - 1
    qns = [end_qn - rounds + 1 + r for r in range(rounds)]

    threats = default_threats()[["threat_id", "name", "category", "description", "affects_c", "affects_i", "affects_a"]]
    categories = threats["category"].astype("string").fillna("")
    assets, a_first, a_last = _assets(rng, rounds, risks, categories, threats["threat_id"])
    sim = _Simulation(rng, m, assets, a_first, a_last, threats, rounds, risks, qns)
    control_titles = annex_a()
    profile = _profile()
    roles = _roles()
    out = []
    for r, label in enumerate(labels):
        risk_frame = sim.step(r)
        present = (a_first <= r) & (a_last >= r)
        meta = {
            "municipality": settings["municipality"],
            "round": label,
            "assessment_date": pd.Timestamp(assessment_date(qns[r])),
            "prepared_by": _person("coordinator"),
            "approved_by": _person("committee"),
            "approved_date": pd.Timestamp(approval_date(qns[r])),
            "matrix": settings["matrix"],
        }
        actions = _actions(risk_frame, sim.completed, control_titles, meta["assessment_date"])
        out.append(
            Assessment(
                assets=assets.loc[present].reset_index(drop=True),
                threats=threats,
                risks=risk_frame,
                profile=profile,
                meta=meta,
                soa=_soa(control_titles, actions, r, rounds, sim.scare, seed),
                actions=actions,
                wheel=_wheel(meta["assessment_date"], qns[r], seed),
                roles=roles,
            )
        )
    return out


def _relevance(categories: pd.Series | np.ndarray, types: pd.Series | np.ndarray, threat_ids: Any = None) -> np.ndarray:
    """Relevance weight of every asset (rows) x threat (columns) pair, from the
    threat's category and the asset's type (digital threats never hit physical assets)."""
    data = _data()
    default = (float(_settings()["default_category"]["relevance"]),) * len(data.types)
    weights = np.array([data.relevance.get(str(c), default) for c in categories], dtype=float)  # t x types
    if threat_ids is not None:
        not_physical = _settings()["likelihood"]["not_physical"]
        weights[np.isin(np.asarray(threat_ids, dtype=object), not_physical), data.types.index("physical")] = 0.0
    return weights[:, pd.Index(data.types).get_indexer(pd.Index(types))].T


def _assets(
    rng: np.random.Generator, rounds: int, risks: int, categories: pd.Series, threat_ids: Any = None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The assets ever present, with the first and last round index of each.

    A few non-critical templates are left out (which ones depends on the seed), and
    some consequences move one step. For a very large number of risks the templates
    are repeated per unit ("enhed 2", ...) so that an asset keeps about 25-35 risks.
    """
    tpl, areas = _data().assets, _data().areas
    n = len(tpl)
    droppable = np.flatnonzero(
        [
            not (t.critical or t.first or t.last or t.personal_data == "criminal")
            and t.type in ("processing_activity", "it_system")
            for t in tpl
        ]
    )
    n_drop = int(rng.integers(2, 7))
    drop = set(rng.choice(droppable, size=n_drop, replace=False).tolist())
    keep = [i for i in range(n) if i not in drop]
    pairs = int((_relevance(categories, [tpl[i].type for i in keep], threat_ids) > 0).sum())  # relevant pairs per copy
    copies = max(1, int(np.ceil(1.3 * risks / (0.85 * max(pairs, 1)))))

    rows = []
    for c in range(copies):
        for i in keep:
            t = tpl[i]
            rows.append((t, c))
    n_rows = len(rows)
    width = max(3, len(str(n_rows)))
    mun = np.array([t.municipality for t, _ in rows], dtype=np.int16)
    has_ds = np.array([t.data_subject is not None for t, _ in rows])
    ds = np.array([t.data_subject or (0, 0, 0) for t, _ in rows], dtype=np.int16)
    # Each consequence moves one step up or down with a small probability.
    shift = rng.choice([-1, 0, 1], size=(n_rows, 6), p=[0.06, 0.88, 0.06]).astype(np.int16)
    mun = np.clip(mun + shift[:, :3], 1, 4)
    ds = np.where(has_ds[:, None], np.clip(ds + shift[:, 3:], 1, 4), 0)

    def cons(values: np.ndarray, mask: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values.astype(np.int8), ~mask)

    frame = pd.DataFrame(
        {
            "asset_id": [f"A-{k + 1:0{width}d}" for k in range(n_rows)],
            "name": [t.name if c == 0 else f"{t.name} (enhed {c + 1})" for t, c in rows],
            "type": [t.type for t, _ in rows],
            "area": [t.area for t, _ in rows],
            "kle": [t.kle or None for t, _ in rows],
            "system_owner": [areas[t.area][1] for t, _ in rows],
            "data_owner": [areas[t.area][2] for t, _ in rows],
            "risk_owner": [areas[t.area][0] for t, _ in rows],
            "critical": pd.array([t.critical for t, _ in rows], dtype="boolean"),
            "personal_data": [t.personal_data for t, _ in rows],
            **{f"consequence_municipality_{p}": cons(mun[:, k], np.ones(n_rows, bool)) for k, p in enumerate("cia")},
            **{f"consequence_data_subject_{p}": cons(ds[:, k], has_ds) for k, p in enumerate("cia")},
            "tolerable_downtime": [t.downtime or None for t, _ in rows],
            "notes": [t.notes or None for t, _ in rows],
        }
    )
    first = np.array([max(0, rounds - t.first) if t.first else 0 for t, _ in rows], dtype=np.int32)
    last = np.array([rounds - 1 - t.last if t.last else STILL_PRESENT for t, _ in rows], dtype=np.int32)
    # An asset whose life falls outside the rounds generated is left out.
    alive = (first <= last) & (last >= 0) & (first <= rounds - 1)
    frame = frame.loc[alive].reset_index(drop=True)
    return frame, first[alive], last[alive]


class _Simulation:
    """The risk register as arrays over every (asset, threat) pair that can occur.

    ``step(r)`` moves the register to round ``r`` and returns its risks frame.
    Per-round work is vectorised over the pairs; the only loop is over rounds.
    """

    def __init__(self, rng: np.random.Generator, m: RiskMatrix, assets: pd.DataFrame, a_first: np.ndarray,
                 a_last: np.ndarray, threats: pd.DataFrame, rounds: int, risks: int, qns: list[int]) -> None:  # fmt: skip
        self.rng, self.m, self.qns, self.rounds, self.risks = rng, m, qns, rounds, risks
        data, settings = _data(), _settings()
        self.scare_controls = settings["scare"]["controls"]
        self.labels = [_label(q) for q in qns]
        self.scare = scare_index(self.labels)
        n_t = len(threats)
        category = threats["category"].astype("string").fillna("").to_numpy(dtype=object)
        w = _relevance(category, assets["type"].astype("string"), threats["threat_id"])  # a x t
        # The universe: pairs drawn by weight without replacement (Efraimidis-Spirakis keys).
        keys = np.where(w > 0, rng.random(w.shape) ** (1 / np.where(w > 0, w, 1)), -1.0).ravel()
        size = min(int(np.ceil(1.3 * risks)) + 5, int((w > 0).sum()))
        chosen = np.sort(np.argsort(-keys, kind="stable")[:size])
        self.asset = (chosen // n_t).astype(np.intp)
        self.threat = (chosen % n_t).astype(np.intp)
        u = len(chosen)
        self.asset_ids = assets["asset_id"].to_numpy(dtype=object)
        self.threat_ids = threats["threat_id"].to_numpy(dtype=object)
        self.a_first, self.a_last = a_first[self.asset], a_last[self.asset]
        self.critical = assets["critical"].fillna(False).to_numpy(dtype=bool)[self.asset]
        self.area = assets["area"].to_numpy(dtype=object)[self.asset]
        self.cat = category[self.threat]
        self.scare_threat = (
            threats["name"].astype("string").str.contains(settings["scare"]["pattern"], case=False, regex=True).fillna(False)
            .to_numpy(dtype=bool)[self.threat]
        )  # fmt: skip

        def max_cons(persp: str) -> np.ndarray:
            cols = [f"consequence_{persp}_{p}" for p in "cia"]
            return assets[cols].fillna(0).to_numpy(dtype=np.int16).max(axis=1)[self.asset]

        self.cons_m, self.cons_d = max_cons("municipality"), max_cons("data_subject")
        # The committee's tolerance per pair and perspective (the risk profile).
        areas = pd.Index(sorted(set(self.area)))
        table = tolerance_table(m, spec_of(_profile()), areas, pd.Index(["municipality", "data_subject"]))
        codes = areas.get_indexer(self.area)
        self.tol_m, self.tol_d = table[codes, 0], table[codes, 1]
        self.people = (assets["type"].to_numpy(dtype=object) == "people")[self.asset]
        self.head = np.array([data.areas[a][0] for a in self.area], dtype=object)
        likelihood = settings["likelihood"]
        kind = np.where(np.isin(self.threat_ids[self.threat], likelihood["likely"]), 2, 1)
        self.like_max = np.where(kind == 2, 4, 3).astype(np.int16)
        self.like_cdf = np.cumsum(np.array(likelihood["p"]), axis=1)[
            np.where(np.isin(self.threat_ids[self.threat], likelihood["rare"]), 0, kind)
        ]
        self.tclass = np.array([TREATMENT_CLASSES.index(lv.treatment) for lv in m.levels], dtype=np.int8)
        self.may_accept = TREATMENT_CLASSES.index("may_accept")

        # Fixed per pair: vulnerability text, owner, and the pool the controls come from.
        default_vul = tuple(settings["default_category"]["vulnerabilities"])
        vul_sets = [data.vulnerabilities.get(c, default_vul) for c in category]
        pick = rng.integers(0, 1 << 30, size=u)
        self.vulnerability = np.array(
            [vul_sets[t][k % len(vul_sets[t])] for t, k in zip(self.threat, pick, strict=True)], dtype=object
        )
        self.existing = np.array([data.existing.get(c, "") or None for c in self.cat], dtype=object)
        owners = assets[["risk_owner", "system_owner"]].to_numpy(dtype=object)[self.asset]
        self.owner = np.where(rng.random(u) < 0.85, owners[:, 0], owners[:, 1])

        # State.
        self.state = np.zeros(u, np.int8)  # 0 never active, 1 active, 2 gone
        self.number = np.zeros(u, np.int64)
        self.next_number = 1
        self.width = max(4, len(str(u)))
        self.like = np.zeros(u, np.int16)
        self.treat = np.full(u, NONE, np.int8)
        self.res_like = np.zeros(u, np.int16)
        self.res_cm = np.zeros(u, np.int16)
        self.res_cd = np.zeros(u, np.int16)
        self.controls = np.full(u, None, dtype=object)
        self.accepted_by = np.full(u, None, dtype=object)
        self.accepted_q = np.full(u, -1, np.int32)  # round index of the acceptance
        self.review_months = np.zeros(u, np.int16)  # an acceptance holds this long
        self.review_written = np.zeros(u, bool)  # Revurderes filled in (else 12 months by default)
        self.status = np.zeros(u, np.int8)
        self.deadline_q = np.full(u, -1, np.int32)  # quarter number of the deadline
        self.notes = np.full(u, None, dtype=object)
        self.closing = np.zeros(u, bool)
        self.completed = pd.DataFrame({"risk_id": [], "controls": [], "deadline": []})

    # -- helpers ------------------------------------------------------------------------------
    def level_class(self, idx: np.ndarray, like: np.ndarray | None = None) -> np.ndarray:
        """Treatment class (0 acceptable ... 3 must treat) of the worse perspective."""
        lk = self.like[idx] if like is None else like
        lm = self.m.lookup(self.cons_m[idx], lk)
        ld = self.m.lookup(self.cons_d[idx], lk)
        return self.tclass[np.maximum(lm, ld)]

    def exposure(self, idx: np.ndarray, like: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Per pair: above the tolerance in either perspective; under the data-subject
        rule (consequence 4, score 4 or 8); the higher level index of the two."""
        lk = self.like[idx] if like is None else like
        lm = self.m.lookup(self.cons_m[idx], lk)
        ld = self.m.lookup(self.cons_d[idx], lk)
        above = (lm > self.tol_m[idx]) | (ld > self.tol_d[idx])
        cd = self.cons_d[idx]
        dsvh = (cd == self.m.very_high_consequence) & np.isin(cd * lk, self.m.very_high_scores)
        return above, dsvh, np.maximum(lm, ld)

    def acceptor(self, idx: np.ndarray, cls: np.ndarray, lvl: np.ndarray) -> np.ndarray:
        """Who accepts by name: top management for critical assets and the highest
        level, the committee up to Over middel, the head of area (or the committee) up
        to Middel -- as the Roller sheet allows."""
        head_max = self.m.level_index(_settings()["head_max_level"])
        committee = _person("committee")
        committee_max = self.m.level_index("Over middel")
        head_or_committee = np.where(self.rng.random(len(idx)) < 0.5, self.head[idx], committee)
        return np.select(
            [self.critical[idx] | (lvl > committee_max), lvl > head_max],
            [_person("top_management"), committee],
            head_or_committee,
        ).astype(object)

    def decide(self, idx: np.ndarray, r: int, new: bool) -> None:
        """Choose treatment, residual risk, controls, acceptance, status and deadline."""
        rng, n = self.rng, len(idx)
        cls = self.level_class(idx)
        above, dsvh, _ = self.exposure(idx)
        u = rng.random(n)
        # Above the tolerance: treat (transfer is rare), or accept by name where the
        # level allows it; under the data-subject rule: accept by name or mitigate;
        # within the tolerance: mostly accepted with the round, some mitigated anyway.
        treat_above = np.select(
            [cls == 3, cls == 2],
            [
                np.where(u < 0.9, MITIGATE, AVOID),
                np.select([u < 0.8, u < 0.84, u < 0.9], [MITIGATE, TRANSFER, AVOID], ACCEPT),
            ],
            np.select([u < 0.5, u < 0.95, u < 0.97], [ACCEPT, MITIGATE, TRANSFER], AVOID),
        )
        treat = np.where(
            above,
            treat_above,
            np.where(
                dsvh, np.where(u < 0.6, ACCEPT, MITIGATE), np.select([u < 0.55, u < 0.65], [ACCEPT, MITIGATE], NONE)
            ),
        ).astype(np.int8)
        treat = np.where(self.people[idx] & (treat == TRANSFER), MITIGATE, treat).astype(np.int8)  # never on staff
        if new:  # some new risks await the committee's decision
            treat = np.where((above | dsvh) & (rng.random(n) < 0.25), NONE, treat).astype(np.int8)
        self.treat[idx] = treat

        # Residual risk for treated risks.
        like = self.like[idx]
        step = np.where(rng.random(n) < 0.6, 1, 2)
        res_like = np.select([treat == MITIGATE, treat == AVOID], [np.maximum(1, like - step), 1], 0)
        lower_m = (treat == TRANSFER) | ((treat == MITIGATE) & (rng.random(n) < 0.25))
        lower_d = (treat == MITIGATE) & (self.cons_d[idx] > 0) & (rng.random(n) < 0.2)
        self.res_like[idx] = res_like
        self.res_cm[idx] = np.where(lower_m, np.maximum(1, self.cons_m[idx] - 1), 0)
        self.res_cd[idx] = np.where(lower_d, np.maximum(1, self.cons_d[idx] - 1), 0)

        # Controls: one to three from the threat category's pool, in Annex A order.
        treated = (treat == MITIGATE) | (treat == TRANSFER) | (treat == AVOID)
        k = rng.integers(1, 4, size=n)
        order = rng.random((n, 10))
        ctrl = np.full(n, None, dtype=object)
        for cat in np.unique(self.cat[idx]):
            sel = np.flatnonzero(self.cat[idx] == cat)
            pool = np.array(_data().controls.get(cat, tuple(_settings()["default_category"]["controls"])), dtype=object)
            # Earlier controls are likelier: sort by a key that favours low positions.
            rank = np.argsort(order[sel, : len(pool)] * (1 + np.arange(len(pool)) / 3), axis=1)
            for j, row in zip(sel, rank, strict=True):
                ctrl[j] = "; ".join(_sort_controls(pool[row[: k[j]]]))
        self.controls[idx] = np.where(treated, ctrl, None)

        # Acceptance: within the tolerance the round's approval accepts the risk (no
        # name). Above it, or under the data-subject rule, someone with the authority
        # accepts it by name and date; a few are made without authority or lack the date.
        above, dsvh, lvl = self.exposure(idx)
        explicit = (treat == ACCEPT) & (above | dsvh)
        by = self.acceptor(idx, cls, lvl)
        breach = explicit & (rng.random(n) < 0.01)
        by = np.where(breach, np.where(self.critical[idx], _person("committee"), _person("unauthorised")), by)
        no_date = explicit & ~breach & (rng.random(n) < 0.03)
        self.accepted_by[idx] = np.where(explicit, by, None)
        self.accepted_q[idx] = np.where(explicit & ~no_date, r, -1)
        self.review_months[idx] = np.where(cls >= TREATMENT_CLASSES.index("should_treat"), 6, 12)
        self.review_written[idx] = (self.review_months[idx] == 6) | (rng.random(n) < 0.5)

        # Status and deadline.
        started = rng.random(n) < 0.7
        self.status[idx] = np.where(treated & started, IN_PROGRESS, OPEN)
        ahead = np.select([treat == MITIGATE, treat == TRANSFER], [rng.integers(1, 5, n), rng.integers(1, 3, n)],
                          rng.integers(1, 4, n))  # fmt: skip
        incomplete = treated & above & (rng.random(n) < 0.02)  # a treatment without a deadline yet
        self.deadline_q[idx] = np.where(treated & ~incomplete, self.qns[r] + ahead, -1)

    def await_decision(self, idx: np.ndarray, floor: int) -> None:
        """Make sure at least ``floor`` of the new risks ``idx`` above the tolerance (or
        under the data-subject rule) await the committee's decision (lowest numbers first)."""
        above, dsvh, _ = self.exposure(idx)
        cand = idx[above | dsvh]
        have = int((self.treat[cand] == NONE).sum())
        if have >= floor:
            return
        take = cand[self.treat[cand] != NONE]
        take = take[np.argsort(self.number[take], kind="stable")][: floor - have]
        self.treat[take] = NONE
        self.res_like[take], self.res_cm[take], self.res_cd[take] = 0, 0, 0
        self.controls[take], self.accepted_by[take], self.accepted_q[take] = None, None, -1
        self.status[take], self.deadline_q[take] = OPEN, -1

    def activate(self, idx: np.ndarray, r: int) -> None:
        idx = np.sort(idx)  # numbered in asset, then threat order
        self.state[idx] = 1
        self.number[idx] = np.arange(self.next_number, self.next_number + len(idx))
        self.next_number += len(idx)
        u = self.rng.random(len(idx))
        like = 1 + (u[:, None] > self.like_cdf[idx, :3]).sum(axis=1)
        self.like[idx] = like.astype(np.int16)
        self.notes[idx] = None
        self.decide(idx, r, new=r > 0)

    # -- one round ----------------------------------------------------------------------------
    def step(self, r: int) -> pd.DataFrame:
        rng = self.rng
        self.state[self.closing] = 2  # closed last round: gone now
        self.closing[:] = False
        self.completed = self.completed.iloc[0:0]
        self.notes[self.state == 1] = None
        active = self.state == 1
        scare_now = self.scare is not None and r == self.scare

        if r > 0:
            # Assets retired after this round: their risks close now.
            retiring = active & (self.a_last == r)
            self.closing |= retiring
            self.status[retiring] = CLOSED
            self.notes[retiring] = "Lukket: aktivet udfases"

            # Planned treatments get started; those whose deadline has come are mostly carried out.
            planned = active & ~retiring & (self.status == OPEN) & (self.deadline_q >= 0)
            self.status[planned & (rng.random(len(planned)) < 0.6)] = IN_PROGRESS
            due = active & ~retiring & (self.status == IN_PROGRESS) & (self.deadline_q <= self.qns[r])
            if scare_now:
                due &= ~self.scare_threat
            after_scare = self.scare is not None and r > self.scare
            p_done = np.where(after_scare & self.scare_threat, 0.9, 0.7)
            done = due & (rng.random(len(due)) < p_done)
            mit = np.flatnonzero(done & (self.treat == MITIGATE))
            self.completed = pd.DataFrame(
                {
                    "risk_id": [f"R-{k:0{self.width}d}" for k in self.number[mit]],
                    "controls": self.controls[mit],
                    "deadline": _quarter_ends(self.deadline_q[mit]),
                }
            )
            self.like[mit] = np.where(self.res_like[mit] > 0, self.res_like[mit], self.like[mit])
            self.existing[mit] = _append_existing(self.existing[mit], self.controls[mit])
            avoid = done & (self.treat == AVOID)
            self.closing |= avoid
            self.status[avoid] = CLOSED
            self.notes[avoid] = "Lukket: aktiviteten er ændret, så truslen ikke længere er relevant"
            transfer = np.flatnonzero(done & (self.treat == TRANSFER))
            if len(transfer):  # the contract or insurance is in place; the treatment is reconsidered
                self.decide(transfer, r, new=False)
            if len(mit):
                self.decide(mit, r, new=False)
                self.notes[mit] = "Sandsynlighed nedsat: foranstaltninger gennemført"

            # A few risks close because they are no longer relevant.
            open_ = active & ~self.closing & ~done
            closing = open_ & (rng.random(len(open_)) < 0.025)
            self.closing |= closing
            self.status[closing] = CLOSED
            self.notes[closing] = "Lukket: risikoen er ikke længere relevant"

            # A few escalate.
            # (never beyond what the threat can plausibly reach: only likely threats become Forventet)
            esc = np.flatnonzero(open_ & ~closing & (self.like < self.like_max) & (rng.random(len(open_)) < 0.015))
            before = self.level_class(esc)
            self.like[esc] += 1
            self.notes[esc] = "Sandsynlighed øget efter hændelser i kvartalet"
            changed = esc[self.level_class(esc) > before]
            if len(changed):
                self.decide(changed, r, new=False)

            # Risks still awaiting a decision are mostly decided now.
            pending = np.flatnonzero(active & ~self.closing & (self.treat == NONE) & (rng.random(len(active)) < 0.8))
            above, dsvh, _ = self.exposure(pending)
            pending = pending[above | dsvh]
            if len(pending):
                self.decide(pending, r, new=False)

        # New risks: all pairs of assets that arrive now, then others up to the target.
        target = int(round(self.risks * (0.95 + 0.05 * r / max(1, self.rounds - 1))))
        live = (self.a_first <= r) & (self.a_last > r)
        fresh = np.flatnonzero((self.state == 0) & live & (self.a_first == r) & (r > 0))
        count = int((self.state == 1).sum()) + len(fresh)
        others = np.flatnonzero((self.state == 0) & live & (self.a_first < r if r > 0 else True))
        need = max(0, target - count)
        if r > 0:
            need = max(need, min(len(others), int(0.01 * self.risks) + 1))  # there is always something new
        extra = rng.choice(others, size=min(need, len(others)), replace=False) if need and len(others) else []
        new = np.concatenate([fresh, np.asarray(extra, dtype=np.intp)]).astype(np.intp)
        if len(new):
            self.activate(new, r)
            self.await_decision(new, _settings()["pending_floor"])

        if scare_now:
            hit = np.flatnonzero((self.state == 1) & ~self.closing & self.scare_threat)
            base = self.like[hit].copy()
            self.like[hit] = np.minimum(4, base + 1)
            self.treat[hit] = MITIGATE
            self.controls[hit] = self.scare_controls
            self.res_like[hit] = np.maximum(1, base - 1)
            self.status[hit] = IN_PROGRESS
            self.deadline_q[hit] = self.qns[r] + 1
            self.accepted_by[hit], self.accepted_q[hit] = None, -1
            self.notes[hit] = "Skærpet efter ransomwareangreb mod andre kommuner i kvartalet"

        act = np.flatnonzero(self.state == 1)
        # At least one acceptance without authority stays on the list (the lowest-numbered
        # non-critical named acceptance, if none is left).
        named = act[(self.treat[act] == ACCEPT) & (self.accepted_q[act] >= 0) & ~self.critical[act]]
        named = named[self.exposure(named)[0]]  # above the tolerance
        unauthorised = _person("unauthorised")
        if len(named) and not (self.accepted_by[named] == unauthorised).any():
            first = named[np.argmin(self.number[named])]
            self.accepted_by[first] = unauthorised
        if r > 0:
            # Acceptances are re-evaluated when they expire; a few are not, and stay expired.
            acc = act[(self.treat[act] == ACCEPT) & (self.accepted_q[act] >= 0)]
            since = self.qns[r] - np.asarray(self.qns)[self.accepted_q[acc]]
            due = acc[since >= self.review_months[acc] // 3 + 1]
            self.accepted_q[due[rng.random(len(due)) < 0.95]] = r
            # An acceptance recorded without its date mostly gets one at the next meeting.
            undated = act[(self.treat[act] == ACCEPT) & (self.accepted_q[act] < 0) & (self.accepted_by[act] != None)]  # noqa: E711
            self.accepted_q[undated[rng.random(len(undated)) < 0.6]] = r
        # Accepted risks that need a named acceptance (e.g. after an escalation) get one.
        above, dsvh, lvl = self.exposure(act)
        need = act[(self.treat[act] == ACCEPT) & (above | dsvh) & (self.accepted_by[act] == None)]  # noqa: E711
        if len(need):
            _, _, lvl_need = self.exposure(need)
            self.accepted_by[need] = self.acceptor(need, self.level_class(need), lvl_need)
            self.accepted_q[need] = r
            self.review_months[need] = np.where(
                self.level_class(need) >= TREATMENT_CLASSES.index("should_treat"), 6, 12
            )
            self.review_written[need] = True
        return self.frame(r)

    def frame(self, r: int) -> pd.DataFrame:
        idx = np.flatnonzero(self.state == 1)
        idx = idx[np.argsort(self.number[idx], kind="stable")]
        approvals = np.array([np.datetime64(approval_date(q), "ns") for q in self.qns], dtype="datetime64[ns]")
        acc_q = self.accepted_q[idx]
        accepted_date = np.where(acc_q >= 0, approvals[np.clip(acc_q, 0, None)], np.datetime64("NaT", "ns"))
        treat = self.treat[idx]
        accepted = pd.Series(accepted_date)
        review_date = np.where(
            self.review_months[idx] == 6, accepted + pd.DateOffset(months=6), accepted + pd.DateOffset(months=12)
        ).astype("datetime64[ns]")
        review_date[~((acc_q >= 0) & self.review_written[idx] & (treat == ACCEPT))] = np.datetime64("NaT")
        text_key = np.where(treat >= 0, _TREAT[np.clip(treat, 0, None)], "")
        texts = _settings()["residual_text"]
        residual_text = np.array([texts.get(k) for k in text_key], dtype=object)
        residual_text = np.where((treat == ACCEPT) & (acc_q < 0), None, residual_text)
        deadline = _quarter_ends(self.deadline_q[idx])
        treat = self.treat[idx]
        has_d = self.cons_d[idx] > 0

        def ints(values: np.ndarray, mask: np.ndarray) -> pd.arrays.IntegerArray:
            return pd.arrays.IntegerArray(values.astype(np.int8), ~mask)

        return pd.DataFrame(
            {
                "risk_id": [f"R-{k:0{self.width}d}" for k in self.number[idx]],
                "asset_id": self.asset_ids[self.asset[idx]],
                "threat_id": self.threat_ids[self.threat[idx]],
                "vulnerability": self.vulnerability[idx],
                "existing_controls": self.existing[idx],
                "likelihood": ints(self.like[idx], np.ones(len(idx), bool)),
                "treatment": np.where(treat >= 0, _TREAT[np.clip(treat, 0, None)], None),
                "controls": self.controls[idx],
                "residual_likelihood": ints(self.res_like[idx], self.res_like[idx] > 0),
                "residual_consequence_municipality": ints(self.res_cm[idx], self.res_cm[idx] > 0),
                "residual_consequence_data_subject": ints(self.res_cd[idx], (self.res_cd[idx] > 0) & has_d),
                "owner": self.owner[idx],
                "accepted_by": self.accepted_by[idx],
                "accepted_date": accepted_date,
                "status": _STATUS[self.status[idx]],
                "deadline": deadline,
                "notes": self.notes[idx],
                "review_date": review_date,
                "residual_description": residual_text,
            }
        )


def _quarter_ends(qn: np.ndarray) -> np.ndarray:
    """The last calendar day of quarter numbers (year * 4 + quarter - 1); NaT where negative."""
    qn = np.asarray(qn, dtype=np.int64)
    ok = qn >= 0
    first_next = pd.to_datetime(
        {"year": np.where(ok, (qn + 1) // 4, 2000), "month": np.where(ok, (qn + 1) % 4 * 3 + 1, 1), "day": 1}
    )
    out = (first_next - pd.Timedelta(days=1)).to_numpy(dtype="datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def _sort_controls(ids: np.ndarray) -> list[str]:
    return sorted((str(x) for x in ids), key=lambda c: tuple(int(p) for p in c.split(".")))


def _append_existing(existing: np.ndarray, controls: np.ndarray) -> np.ndarray:
    out = []
    for e, c in zip(existing, controls, strict=True):
        add = f"Annex A {c}" if c else ""
        out.append("; ".join(x for x in (e, add) if x) or None)
    return np.array(out, dtype=object)


# -- optional sheets ------------------------------------------------------------------------------
def _profile() -> pd.DataFrame:
    """One row per area for both perspectives, and per-perspective rows where the
    tolerance differs (tolerance.csv); approved by the committee."""
    data, settings = _data(), _settings()
    rows = []
    for area in data.areas:
        own = {p: lv for (a, p), lv in data.tolerance.items() if a == area}
        rows.append((area, own.get("", settings["default_tolerance"]), None))
        rows += [(area, lv, p) for p, lv in own.items() if p]
    frame = pd.DataFrame(rows, columns=["area", "max_accepted_level", "perspective"])
    return frame.assign(approved_by=_person("committee"), approved_date=pd.Timestamp(settings["profile_approved"]))


def _roles() -> pd.DataFrame:
    """The Roller sheet: top management, the committee and the heads of area (by name)."""
    data, head_max = _data(), _settings()["head_max_level"]
    heads = dict.fromkeys(head.split(" (")[0] for head, _, _ in data.areas.values())
    rows = [*data.roles, *((name, "management", head_max) for name in heads)]
    return pd.DataFrame(rows, columns=["name", "role", "max_level"])


def _actions(risks: pd.DataFrame, completed: pd.DataFrame, annex: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The action plan: one risk-treatment action per control that treated risks rely
    on first (linking up to ten of them; done when only mitigations completed this
    round rely on it), plus the improvement plan's actions that are current."""
    positions = {c: i for i, c in enumerate(annex["control_id"])}
    titles = dict(zip(annex["control_id"], annex["title_da"], strict=True))
    treated = risks.loc[
        risks["treatment"].isin(["mitigate", "transfer", "avoid"])
        & risks["controls"].notna()
        & risks["deadline"].notna()
        & (risks["status"] != "closed"),
        ["risk_id", "controls", "deadline", "status"],
    ]
    done = completed.loc[completed["controls"].notna()].assign(status="done")
    both = pd.concat([treated.assign(rank=0), done.assign(rank=1)], ignore_index=True)
    both["control"] = both["controls"].astype("string").str.split(";").str[0].str.strip()
    both = both.sort_values(["control", "rank", "risk_id"], kind="stable")
    both = both[both["rank"] == both.groupby("control")["rank"].transform("min")]  # working ones first
    rows = []
    for ctrl, group in both.groupby("control", sort=True):
        linked = group.head(10)
        statuses = set(linked["status"])
        status = "done" if statuses == {"done"} else ("in_progress" if "in_progress" in statuses else "not_started")
        rows.append(
            {
                "action_id": f"H-{positions.get(ctrl, 98) + 1:03d}",
                "title": f"Styrke {ctrl} {titles.get(ctrl, '')}".strip(),
                "type": "risk_treatment",
                "risks": "; ".join(linked["risk_id"]),
                "controls": ctrl,
                "responsible": _responsible(ctrl),
                "deadline": linked["deadline"].min(),
                "status": status,
            }
        )
    for aid, title, controls, start, deadline, late in _data().improvements:
        start_, due = pd.Timestamp(start), pd.Timestamp(deadline)
        finished = due + pd.DateOffset(months=late)
        if as_of < start_ or as_of > finished + pd.DateOffset(months=6):
            continue
        begun = as_of >= start_ + pd.DateOffset(months=2)
        status = "done" if as_of >= finished else ("in_progress" if begun else "not_started")
        rows.append(
            {
                "action_id": aid, "title": title, "type": "improvement_plan", "risks": None, "controls": controls,
                "responsible": _person("coordinator") if "K-" in controls else _responsible(controls),
                "deadline": due, "status": status,
            }
        )  # fmt: skip
    columns = ["action_id", "title", "type", "risks", "controls", "responsible", "deadline", "status"]
    frame = pd.DataFrame(rows, columns=columns).sort_values("action_id", kind="stable").reset_index(drop=True)
    frame["deadline"] = pd.to_datetime(frame["deadline"]).astype("datetime64[ns]")
    return frame.astype({c: "string" for c in columns if c != "deadline"})


def _responsible(cid: str) -> str:
    """Who answers for a control (settings.toml [responsible], by its theme; the coordinator otherwise)."""
    return str(_settings()["responsible"].get(_theme_of(cid), _person("coordinator")))


def _theme_of(cid: str) -> str:
    return {"5": "organisational", "6": "people", "7": "physical", "8": "technological"}.get(
        cid.strip()[:1], "organisational"
    )


def _soa(annex: pd.DataFrame, actions: pd.DataFrame, r: int, rounds: int, scare: int | None, seed: int) -> pd.DataFrame:
    """All Annex A controls plus own controls. Status improves over the rounds; the
    ransomware-related controls are implemented after the scare."""
    data, settings = _data(), _settings()
    rng = np.random.default_rng([seed, 27001])  # the same controls progress in every round
    n = len(annex)
    ids = annex["control_id"].to_numpy(dtype=object)
    # Round (counted from the first) at which each control reaches partly / implemented.
    partly_at = rng.integers(-6, rounds + 2, size=n)
    impl_at = partly_at + rng.integers(1, 6, size=n)
    planned_at = partly_at - rng.integers(1, 3, size=n)
    if scare is not None:
        fast = np.isin(ids, [c.strip() for c in settings["scare"]["controls"].split(";")])
        impl_at = np.where(fast, np.minimum(impl_at, scare + 1), impl_at)
    status = np.select(
        [r >= impl_at, r >= partly_at, r >= planned_at], ["implemented", "partly", "planned"], "not_started"
    )
    applicable = ~np.isin(ids, list(data.not_applicable))
    justification = np.array([data.not_applicable.get(c) or None for c in ids], dtype=object)
    used = {c for pool in data.controls.values() for c in pool}
    source = np.where(
        np.isin(ids, settings["soa"]["legal"]),
        "legal",
        np.where(np.isin(ids, list(used)), "risk_assessment", "best_practice"),
    )
    theme = annex["theme"].astype("string").to_numpy(dtype=object)
    responsible = np.array([settings["responsible"][t] for t in theme], dtype=object)
    responsible[np.isin(ids, settings["soa"]["dpo_controls"])] = _person("dpo")
    responsible[np.isin(ids, settings["soa"]["unassigned"])] = None  # left blank on purpose
    links: dict[str, list[str]] = {}
    for ctrls, rks in zip(actions["controls"], actions["risks"], strict=True):
        if isinstance(rks, str):
            for c in str(ctrls).split(";"):
                links.setdefault(c.strip(), []).extend(x.strip() for x in rks.split(";"))
    soa = pd.DataFrame(
        {
            "control_id": ids,
            "title": annex["title_da"].to_numpy(dtype=object),
            "theme": theme,
            "applicable": applicable,
            "justification": justification,
            "source": source,
            "status": np.where(applicable, status, None),
            "responsible": np.where(applicable, responsible, None),
            "risks": [("; ".join(sorted(set(links[c]))) if c in links else None) for c in ids],
            "nsis": [settings["soa"]["nsis"].get(c) for c in ids],
        }
    )
    late = r >= rounds // 2
    own = pd.DataFrame(
        {
            "control_id": [c[0] for c in data.own_controls],
            "title": [c[1] for c in data.own_controls],
            "theme": "Egne foranstaltninger",
            "applicable": True,
            "justification": None,
            "source": "legal",
            "status": [c[3] if late else c[2] for c in data.own_controls],
            "responsible": [data.own_responsible[c[0]] for c in data.own_controls],
            "risks": None,
            "nsis": None,
        }
    )
    out = pd.concat([soa, own], ignore_index=True)
    out["applicable"] = out["applicable"].astype("boolean")
    return out.astype({c: "string" for c in out.columns if c != "applicable"})


def _wheel(as_of: pd.Timestamp, qn: int, seed: int) -> pd.DataFrame:
    """The annual wheel as of the round: the last time each activity was done is the
    latest scheduled month before the round, or one period earlier when it is late;
    one activity has never been done."""
    rng = np.random.default_rng([seed, 9001, qn])
    month_now = as_of.year * 12 + as_of.month - 1
    rows = []
    never_done = _settings()["never_done"]
    for aid, title, category, freq, month, responsible, controls in _data().wheel:
        period = _PERIOD[freq]
        anchor = 0 if month is None else month - 1
        latest = month_now - ((month_now - anchor) % period)  # the latest scheduled month up to now
        late = rng.random() < 0.2
        done_month = latest - period if late else latest
        day = 8 + (int(aid[-2:]) * 5) % 17
        last_done = pd.Timestamp(dt.date(done_month // 12, done_month % 12 + 1, day))
        if last_done > as_of:
            done_month -= period
            last_done = pd.Timestamp(dt.date(done_month // 12, done_month % 12 + 1, day))
        status = "done" if done_month == latest else ("in_progress" if rng.random() < 0.5 else "planned")
        if aid == never_done:
            last_done, status = pd.NaT, "planned"
        rows.append(
            {
                "activity_id": aid, "title": title, "category": category, "frequency": freq, "month": month,
                "responsible": responsible, "last_done": last_done, "status": status, "controls": controls,
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["month"] = frame["month"].astype("Int8")
    frame["last_done"] = frame["last_done"].astype("datetime64[ns]")
    return frame.astype({c: "string" for c in frame.columns if c not in ("month", "last_done")})


# -- writing --------------------------------------------------------------------------------------
def file_name(label: str) -> str:
    """The workbook name of a round, e.g. "eksempel-kommune-2026-Q3.xlsx"."""
    return f"{_settings()['file_prefix']}-{label.replace(' ', '-')}.xlsx"


def write_sample(
    directory: str | Path, rounds: int = 8, risks: int = 1500, seed: int = 0, lang: str = "da"
) -> list[Path]:
    """Write one KL-style workbook per round (and a short README.md) into ``directory``.

    Returns the workbook paths, oldest round first. Files are byte-identical for the
    same arguments.
    """
    from .template import write_workbook

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    assessments = generate(rounds=rounds, risks=risks, seed=seed)
    paths = [write_workbook(a, directory / file_name(a.meta["round"]), lang=lang) for a in assessments]
    (directory / "README.md").write_text(_readme(assessments, rounds, risks, seed), encoding="utf-8")
    return [Path(p) for p in paths]


def _readme(assessments: list[Assessment], rounds: int, risks: int, seed: int) -> str:
    first, last = assessments[0].meta["round"], assessments[-1].meta["round"]
    scare = scare_index([a.meta["round"] for a in assessments])
    scare_label = assessments[scare].meta["round"] if scare is not None else "-"
    lines = [
        f"# {_settings()['municipality']}: eksempeldata / sample data",
        "",
        f"Genereret med / generated with `isms sample DIR --rounds {rounds} --risks {risks} --seed {seed}`.",
        "",
        "## Dansk",
        "",
        f"En opdigtet kommune med én arbejdsbog pr. kvartalsvis risikovurdering ({first} til {last}).",
        "Alle navne, personer og tal er opdigtede. Arbejdsbøgerne følger projektets KL-lignende skabelon",
        "(Om, Aktiver, Trusler, Risici, Risikoprofil, SoA, Handlingsplan, Årshjul, Roller) og kan læses med",
        "`isms validate` og `isms score`.",
        "",
        "- Aktiver fra kommunens områder, både med og uden personoplysninger; aktiver uden",
        "  personoplysninger har ingen konsekvens for de registrerede.",
        "- Risici bevarer deres Risiko-ID mellem runderne; nye kommer til, andre lukkes, og",
        "  gennemførte foranstaltninger sænker sandsynligheden.",
        f"- I {scare_label} øges sandsynligheden for ransomware og malware efter angreb på andre",
        "  kommuner; de følgende kvartaler bringer den ned igen.",
        "- Risici inden for tolerancen accepteres med rundens godkendelse. Over tolerancen accepterer",
        "  personer fra arket Roller med navn, dato og revurderingsdato; enkelte accepter er udløbet,",
        "  mangler dato eller er givet uden bemyndigelse, og nogle nye risici afventer en beslutning,",
        "  så udvalgets liste er kort, men ikke tom.",
        "- Sandsynligheden afhænger af truslen: phishing, ransomware og fejlsendte breve er",
        "  sandsynlige, lynnedslag og sabotage sjældne.",
        "",
        "## English",
        "",
        f"A fictional municipality with one workbook per quarterly risk assessment ({first} to {last}).",
        "All names, people and figures are made up. The workbooks follow the project's KL-style",
        "template and can be read with `isms validate` and `isms score`. Risk IDs persist between",
        f"rounds; risks are added, closed and treated down; {scare_label} has a ransomware scare. Risks",
        "within tolerance are accepted with the round's approval; above it, people listed in the Roles",
        "sheet accept by name, date and review date. A few acceptances have expired, lack a date or",
        "were made without authority, and some new risks await a decision, so the committee's list",
        "is short but real.",
        "",
    ]
    return "\n".join(lines)
