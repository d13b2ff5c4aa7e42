"""The score formula: driver components, and how decayed driver sums become 0-100 points.

Kept apart from the loader and the batching so the few lines docs/RISK.md describes read on
their own, and so the weights loader, the series scorer and the alerts can share them
without importing one another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


COMPONENTS = ("threats", "imposed", "relief", "procurement", "hostile_statements",
              "defiant_statements", "listed_entities")
PRESSURE = tuple(c for c in COMPONENTS if c != "relief")


def points(weight: float | np.ndarray, scale: float) -> float | np.ndarray:
    """Score of a pair whose only driver has this raw weight: the saturating curve on its own."""
    return 100.0 * (1.0 - np.exp(-np.asarray(weight, dtype=float) / scale))


def score_drivers(drivers: pd.DataFrame, scale: float) -> pd.DataFrame:
    """The formula: decayed driver sums (one column per component, all >= 0) -> points.

    ``net = max(0, sum(pressure drivers) - relief)``; ``score = 100 (1 - exp(-net / scale))``.
    Each pressure column gets its share of the gross score ``100 (1 - exp(-pressure / scale))``
    in proportion to its driver; ``relief`` gets ``score - gross`` (<= 0). So the columns add
    up to the score exactly, the score stays in [0, 100), rises with every pressure driver
    and falls with relief.
    """
    pressure = drivers[list(PRESSURE)].sum(axis=1).to_numpy()
    net = np.maximum(pressure - drivers["relief"].to_numpy(), 0.0)
    score = 100.0 * (1.0 - np.exp(-net / scale))
    gross = 100.0 * (1.0 - np.exp(-pressure / scale))
    share = np.divide(gross, pressure, out=np.zeros_like(gross), where=pressure > 0)
    out = pd.DataFrame({c: drivers[c].to_numpy() * share for c in PRESSURE}, index=drivers.index)
    out["relief"] = score - gross
    out["score"] = score
    return out
