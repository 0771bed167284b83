"""Fit a CLV model on an analyst's own summary file (CSV: frequency,recency,T[,monetary_value])."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from liveloop.analytics.clv.bgnbd import BetaGeo
from liveloop.analytics.clv.gamma_gamma import GammaGamma
from liveloop.analytics.clv.pareto_nbd import ParetoNBD
from liveloop.analytics.clv.summary import Summary, SummaryError

MODELS = {"bgnbd": BetaGeo, "pareto": ParetoNBD, "gammagamma": GammaGamma}


def read_summary(path: Path, *, monetary: bool) -> Summary:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        needed = ["frequency", "recency", "T"] + (["monetary_value"] if monetary else [])
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise SummaryError(f"{path.name}: missing column(s) {', '.join(missing)}")
        columns: dict[str, list[float]] = {c: [] for c in needed}
        for number, row in enumerate(reader, start=2):
            for column in needed:
                try:
                    columns[column].append(float(row[column]))
                except (TypeError, ValueError):
                    raise SummaryError(
                        f"{path.name} line {number}: {column} {row[column]!r} is not a number"
                    ) from None
    return Summary.of(
        columns["frequency"], columns["recency"], columns["T"], columns.get("monetary_value")
    )


def fit_file(path: Path, model: str) -> dict[str, Any]:
    if model not in MODELS:
        raise SummaryError(f"unknown model {model!r}; use one of {', '.join(MODELS)}")
    summary = read_summary(path, monetary=model == "gammagamma")
    fitted = MODELS[model]().fit(summary)

    def clean(value: float) -> float | None:
        return None if not math.isfinite(value) else round(value, 6)

    return {
        "model": model,
        "customers": len(summary.frequency),
        "params": {k: clean(v) for k, v in fitted.params_.items()},
        "standard_errors": {k: clean(v) for k, v in fitted.standard_errors_.items()},
        "log_likelihood": clean(fitted.log_likelihood_),
        # parameters the data drove to the edge of the search box (a limit case, no error bar)
        "at_bound": list(fitted.at_bound_),
    }
