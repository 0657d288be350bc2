"""Public tests import your exercise modules from exercises/ (or from COURSE_IMPL_DIR when it is set)."""

import os
import sys
from pathlib import Path

_impl = os.environ.get("COURSE_IMPL_DIR") or str(Path(__file__).resolve().parents[1])
if _impl not in sys.path:
    sys.path.insert(0, _impl)
