"""Fast checks of the suite definitions, the GX context built from them and the report helpers."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.settings import Settings
from expectations.context import build_context
from expectations.frames import checkin_freshness_sql, reconciliation_sql
from expectations.gate import exception_message, observed, offending_rows
from expectations.history import Outcome
from expectations.reports import SuiteRun, quarantine_page, summary_page
from expectations.suites import SUITE_NAMES, SUITES, build_suites


@pytest.fixture(scope="module")
def built():
    return build_suites(Settings())


def test_generated_context_holds_every_suite(tmp_path):
    """The gate builds its GX context from the code each run: every suite, with its validation
    definition and checkpoint, and nothing left of an earlier run."""
    (tmp_path / "ctx" / "gx" / "expectations").mkdir(parents=True)
    (tmp_path / "ctx" / "gx" / "expectations" / "removed_suite.json").write_text("{}")
    suites = build_suites(Settings())
    counts = {name: len(expectations) for name, expectations in suites.items()}

    context = build_context(tmp_path / "ctx", suites)

    assert sorted(s.name for s in context.suites.all()) == sorted(SUITE_NAMES)
    assert sorted(c.name for c in context.checkpoints.all()) == sorted(SUITE_NAMES)
    assert sorted(v.name for v in context.validation_definitions.all()) == sorted(SUITE_NAMES)
    for name in SUITE_NAMES:
        assert len(context.suites.get(name).expectations) == counts[name] > 0
    assert not (tmp_path / "ctx" / "gx" / "expectations" / "removed_suite.json").exists()


def test_every_expectation_has_a_severity_and_a_label(built):
    assert list(built) == list(SUITE_NAMES)
    for name, expectations in built.items():
        labels = []
        for e in expectations:
            severity = getattr(e.severity, "value", e.severity)
            assert severity in ("critical", "warning")
            assert e.meta["severity"] == severity
            assert e.description == f"[{severity.upper()}] {e.meta['label']}"
            labels.append(e.meta["label"])
        assert len(labels) == len(set(labels)), f"{name}: two checks read the same"


def test_warnings_are_the_soft_checks(built):
    warnings = {
        (name, e.meta["label"])
        for name, expectations in built.items()
        for e in expectations
        if getattr(e.severity, "value", e.severity) == "warning"
    }
    assert warnings == {
        ("new_checkins_delivery", "share of skipped drinks answers within bound (standard_drinks)"),
        (
            "new_delivery_row_counts",
            "rows loaded not collapsing against the median of recent deliveries "
            "(ratio_to_recent_median)",
        ),
        # The night's deliveries, by default: a file quarantined whole, or
        # more than 5% of an entity's rows, is a warning; more than 50% is critical.
        *(
            ("night_deliveries", text)
            for entity in ("participants", "checkins", "appointments")
            for text in (
                f"no {entity} file quarantined whole ({entity}_files_quarantined)",
                f"share of {entity} rows quarantined within the warning limit "
                f"({entity}_rejected_share)",
            )
        ),
    }


def test_every_check_says_its_result_in_plain_words(built):
    from expectations.messages import MESSAGES

    for name, expectations in built.items():
        for e in expectations:
            assert e.meta.get("message") in MESSAGES, (name, e.meta["label"])


def test_freshness_limit_comes_from_the_settings():
    (_, within) = build_suites(Settings(freshness_days=5))["checkin_freshness"]
    assert (within.min_value, within.max_value) == (0, 5)


def test_cross_checks_read_dbt_relations_not_landing():
    """The gate never re-derives from landing what dbt derives (latest versions, local dates)."""
    day = dt.date(2026, 11, 20)
    for sql in (reconciliation_sql("marts_candidate", day), checkin_freshness_sql(day)):
        assert "landing." not in sql
    assert "staging.stg_app__checkins" in checkin_freshness_sql(day)
    assert "intermediate.int_appointments_as_of" in reconciliation_sql("marts_candidate", day)
    assert "marts_candidate.appointment_attendance_monthly" in reconciliation_sql(
        "marts_candidate", day
    )


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


def test_summary_page_links_every_suite_and_escapes_labels():
    outcome = Outcome("s1", "<b>odd</b> label (x)", "critical", False, "1.0")
    runs = [
        SuiteRun(name=name, rows=1, reads=s.reads, page=f"validations/{name}/r.html")
        for name, s in zip(SUITE_NAMES, SUITES, strict=True)
    ]
    runs[0].outcomes.append(outcome)
    page = summary_page(
        "r-1",
        dt.date(2026, 11, 20),
        dt.datetime(2026, 11, 21, 3, tzinfo=dt.UTC),
        "marts",
        "duckdb",
        runs,
        1.5,
    )
    assert "Validation FAILED" in page and "&lt;b&gt;odd&lt;/b&gt;" in page and "<b>odd" not in page
    for name in SUITE_NAMES:  # each suite's checks in its own section of the page
        assert f'<a href="#suite-{name}">{name}</a>' in page
        assert f'<section class="suite" id="suite-{name}">' in page
    assert '<a href="quarantine.html">' in page
    # Linked both ways with the site (the report is published under <site>/validation/), and
    # nothing is loaded from elsewhere: Great Expectations' CDN-bound pages are not linked.
    assert '<a href="../quality.html">' in page and "validations/" not in page
    assert "<script" not in page and "https://" not in page
    assert "<code>marts</code>" in page and "in 1.5 s" in page


def test_importing_the_gate_does_not_import_great_expectations():
    """GX costs seconds to import: the flow imports the gate module, GX loads only to validate."""
    import subprocess
    import sys

    code = "import sys, expectations.gate; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
