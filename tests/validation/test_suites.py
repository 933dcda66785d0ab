"""Fast checks of the suite definitions, the versioned GX context and the report helpers."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from core.settings import Settings
from expectations.gate import exception_message, observed, offending_rows
from expectations.project import GX_DIR, expectation_type, expected_config
from expectations.reports import quarantine_page
from expectations.suites import SUITES
from expectations.thresholds import suite_parameters


def _parameters(value):
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            yield value["$PARAMETER"]
        for v in value.values():
            yield from _parameters(v)
    elif isinstance(value, list):
        for v in value:
            yield from _parameters(v)


def test_versioned_context_matches_the_suites():
    """expectations/gx/ is what runs: it must hold exactly the suites of suites.py."""
    stored = {p.stem: json.loads(p.read_text()) for p in (GX_DIR / "expectations").glob("*.json")}
    assert set(stored) == {s.name for s in SUITES}, "run `python -m expectations.project`"
    for suite in SUITES:
        got = [
            {k: e.get(k) for k in ("type", "kwargs", "severity", "description", "meta")}
            for e in stored[suite.name]["expectations"]
        ]
        want = [expected_config(c) for c in suite.checks]
        key = lambda e: (e["type"], json.dumps(e["kwargs"], sort_keys=True))  # noqa: E731
        assert sorted(got, key=key) == sorted(json.loads(json.dumps(want)), key=key), (
            f"{suite.name} differs: run `python -m expectations.project`"
        )
    for suite in SUITES:
        assert (GX_DIR / "checkpoints" / f"{suite.name}.json").is_file()
        assert (GX_DIR / "validation_definitions" / f"{suite.name}.json").is_file()


def test_every_check_has_a_severity_and_every_parameter_a_value():
    params = suite_parameters(Settings())
    for suite in SUITES:
        for check in suite.checks:
            assert check.severity in ("critical", "warning")
            for name in _parameters(check.kwargs):
                assert name in params, f"{suite.name}: no value for ${name}"
        labels = [c.label for c in suite.checks]
        assert len(labels) == len(set(labels)), f"{suite.name}: two checks read the same"


def test_warnings_are_the_soft_checks():
    warnings = {(s.name, c.text) for s in SUITES for c in s.checks if c.severity == "warning"}
    assert warnings == {
        ("new_checkins_delivery", "share of skipped drinks answers within bound"),
        (
            "new_delivery_row_counts",
            "rows loaded not collapsing against the median of recent deliveries",
        ),
    }


def test_expectation_type_names():
    assert expectation_type("ExpectColumnValuesToBeBetween") == "expect_column_values_to_be_between"
    assert expectation_type("ExpectColumnMaxToBeBetween") == "expect_column_max_to_be_between"


def test_observed_value_texts():
    assert observed({"observed_value": 4.0}) == "4.0"
    assert observed({"unexpected_count": 2, "element_count": 9}) == "2 of 9 rows unexpected"
    assert observed({}) is None
    nested = {"metric-a": {"raised_exception": True, "exception_message": "no column x"}}
    assert exception_message(nested) == "no column x"
    assert exception_message({"raised_exception": False}) is None
    # Summary checks observe a count of offending rows (GX may hand it over as text).
    assert offending_rows("3", 10) == "3 of 10 rows unexpected"
    assert offending_rows(0.0, 7) == "0 of 7 rows unexpected"
    assert offending_rows(None, 7) is None


@given(
    st.dictionaries(
        st.sampled_from(["observed_value", "unexpected_count", "element_count", "x"]),
        st.one_of(
            st.none(), st.integers(), st.floats(allow_nan=True), st.text(), st.lists(st.text())
        ),
    )
)
def test_observed_never_raises(result):
    assert observed(result) is None or isinstance(observed(result), str)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1)


@given(_TEXT, _TEXT)
def test_quarantine_page_shows_file_and_reason_as_text(source_file, reason):
    """Whatever a file name or reason holds, it reaches the page as text, never as markup."""
    frame = pd.DataFrame(
        [{"source_file": source_file, "column_name": "", "reason": reason, "rows": 1, "files": 0}]
    )
    parser = _Cells()
    parser.feed(quarantine_page("r", frame, frame.iloc[0:0]))
    assert parser.cells[0] == source_file
    assert parser.cells[2] == reason


def test_importing_the_gate_does_not_import_great_expectations():
    """GX costs seconds to import: the flow imports the gate module, GX loads only to validate."""
    import subprocess
    import sys

    code = "import sys, expectations.gate; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
