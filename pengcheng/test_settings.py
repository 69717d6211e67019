"""Settings for the test suite: the production settings, over plain HTTP, with a scratch data directory."""

import os
import tempfile

os.environ.setdefault("PENGCHENG_DATA_DIR", tempfile.mkdtemp(prefix="pengcheng-test-"))
os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
os.environ.setdefault("PENGCHENG_SECURE_COOKIES", "0")

from pengcheng.settings import *  # noqa: F403
from pengcheng.settings import STATIC_ROOT

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
