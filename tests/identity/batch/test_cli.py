import pyarrow.parquet as pq
from typer.testing import CliRunner

from liveloop.cli import app


def test_identity_recompute_prints_people_and_accuracy_and_writes_results(sim_small, tmp_path):
    out = tmp_path / "oneid"
    result = CliRunner().invoke(
        app,
        ["identity", "recompute", "--sim-dir", str(sim_small), "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "people" in result.output
    assert "pairwise precision" in result.output
    people = pq.read_table(out / "identifiers.parquet")
    assert people.column_names == ["type", "value", "person"]
    assert pq.read_table(out / "observations.parquet").num_rows > 10_000


def test_identity_recompute_refuses_an_unknown_engine(sim_small):
    result = CliRunner().invoke(
        app, ["identity", "recompute", "--sim-dir", str(sim_small), "--engine", "oracle"]
    )
    assert result.exit_code == 2
