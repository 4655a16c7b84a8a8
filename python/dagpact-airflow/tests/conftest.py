from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ORDER = {
    "type": "record", "name": "Order", "namespace": "t",
    "fields": [{"name": "id", "type": "long"}, {"name": "customer", "type": "string"},
               {"name": "coupon", "type": ["null", "string"], "default": None}],
}


@pytest.fixture
def manifest_file(tmp_path: Path):
    def write(text: str, name: str = "m.yaml") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), "utf-8")
        return p

    return write
