"""The engine setting and its plumbing (fast: no Spark started)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys

import pytest

from flows.cli import build_parser
from tests.support import ROOT


@pytest.mark.parametrize("command", ["run", "demo"])
def test_run_and_demo_take_an_engine(command: str) -> None:
    parser = build_parser()
    assert parser.parse_args([command, "--engine", "spark"]).engine == "spark"
    assert parser.parse_args([command]).engine is None  # then AUD_ENGINE, else duckdb
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([command, "--engine", "sqlite"])
    assert exit_info.value.code == 2


def test_engine_comes_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.pipeline import settings_for_run

    assert settings_for_run(None, None, None, None).engine == "duckdb"
    monkeypatch.setenv("AUD_ENGINE", "spark")
    assert settings_for_run(None, None, None, None).engine == "spark"
    assert settings_for_run(None, None, None, None, engine="duckdb").engine == "duckdb"


def test_run_summary_names_the_engine() -> None:
    from core.run_summary import RunSummary
    from flows.pipeline import summary_markdown

    summary = RunSummary(run_id="r1", started_at=dt.datetime.now(dt.UTC), as_of=dt.date(2026, 1, 2))
    assert "- Engine: spark\n" in summary_markdown(summary, "spark")
    assert "Engine" not in summary_markdown(summary)


def test_benchmark_keeps_the_other_section_of_results(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up
    spec.loader.exec_module(bench)
    results = tmp_path / "results.md"
    results.write_text("# Benchmark results\n\n| 100k | ... |\n")
    bench.merge_results(results, spark=f"{bench.SPARK_SECTION} (10k)\n\n| 10k | spark |\n")
    bench.merge_results(results, main="# Benchmark results\n\n| 100k | again |\n")
    text = results.read_text()
    assert "| 100k | again |" in text and "| 10k | spark |" in text and "| 100k | ... |" not in text
    bench.merge_results(results, spark=f"{bench.SPARK_SECTION} (10k)\n\n| 10k | newer |\n")
    text = results.read_text()
    assert (
        "| 100k | again |" in text and "| 10k | newer |" in text and "| 10k | spark |" not in text
    )
