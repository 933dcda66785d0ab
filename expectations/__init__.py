"""The validation gate: Great Expectations suites over tonight's deliveries and the marts.

`expectations.gate.validate` is the entry point. Suites are defined in `suites.py` and written to
the versioned GX file context in `expectations/gx/` by `python -m expectations.project`.
Great Expectations is imported lazily (it takes seconds), so importing this package is cheap.
"""
