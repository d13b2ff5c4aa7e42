"""Finding ids: analyst reviews are keyed by them, so they must not depend on how articles were chunked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import pipeline, schemas, store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
FINDINGS = ("sanctions", "procurement", "positions", "entities")


@pytest.mark.parametrize("same, other", [
    (None, float("nan")), (None, pd.NA), (24, 24.0), (24, np.float64(24.0)), (24, np.int64(24)),
    (["Rosoboronexport", "USC"], np.array(["Rosoboronexport", "USC"], dtype=object)),
])
def test_a_value_gives_one_id_whatever_dtype_carried_it(same: object, other: object) -> None:
    """A chunk with an all-null column holds None, one with numbers holds nan and 24.0."""
    first = schemas.finding_id("procurement", "a1", 0, 10, ["IND", same, "rule.x"])
    second = schemas.finding_id("procurement", "a1", 0, 10, ["IND", other, "rule.x"])
    assert first == second


def test_different_values_still_give_different_ids() -> None:
    ids = {schemas.finding_id("procurement", "a1", 0, 10, ["IND", v, "rule.x"]) for v in (None, 24, 24.5, "24 jets")}
    assert len(ids) == 4


def test_chunk_size_changes_no_finding_id(tmp_path: Path) -> None:
    """Re-running with another --chunk-size must keep every review attached to its finding."""
    resources = pipeline.Resources.load()
    ids = {}
    for size in (3, 500):
        out = tmp_path / f"c{size}"
        pipeline.run([SAMPLE], out, chunk_size=size, resources=resources, incremental=False)
        ids[size] = {t: set(store.read_table(out, t)["finding_id"]) for t in FINDINGS}
    for table in FINDINGS:
        assert ids[3][table] == ids[500][table], table
    assert len(ids[500]["procurement"]) > 50
