from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_usage_buffer() -> Iterator[None]:
    """Rolled-back tests reuse key ids; the per-process usage buffer must not carry counts across."""
    from pengcheng.opendata import selectors, usage

    usage.BUFFER = usage.UsageBuffer()
    selectors.SEARCH_CACHE.clear()  # rolled-back tests also reuse catalogue version numbers
    yield
    usage.BUFFER = usage.UsageBuffer()
    selectors.SEARCH_CACHE.clear()
