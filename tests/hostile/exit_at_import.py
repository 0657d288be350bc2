"""Stop the interpreter while the module is being imported."""

import sys

sys.exit(0)
