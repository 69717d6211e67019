from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_usage_buffer() -> Iterator[None]:
    """Rolled-back tests reuse key ids; the per-process usage buffer must not carry counts across."""
    from pengcheng.opendata import usage

    usage.BUFFER = usage.UsageBuffer()
    yield
    usage.BUFFER = usage.UsageBuffer()
