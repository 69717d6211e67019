from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Iterator[None]:
    """Items published inside a rolled-back test must not linger in the process's search index."""
    yield
    from pengcheng.catalog import search

    search.reset()
