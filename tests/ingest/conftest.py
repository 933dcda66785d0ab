from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.ingest_support import Drop


@pytest.fixture
def drop(tmp_path: Path) -> Drop:
    return Drop(tmp_path)
