"""The validation gate: Great Expectations suites over what dbt cannot see.

`expectations.gate.validate(settings, engine, new_delivery_ids, run_id)` is the entry point. The
suites (`suites.py`) cover tonight's deliveries, check-in freshness and cross-checks between dbt's
relations; mart invariants are dbt tests. The GX context is built from the code at run time in
the run's data folder. Great Expectations is imported lazily (it takes seconds), so importing this
package is cheap.
"""
