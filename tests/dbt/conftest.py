"""dbt tests: helpers live in tests/dbt/transform_support.py."""

import os

# dbt reads these when it is imported (STACK.md): no telemetry from test runs.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
