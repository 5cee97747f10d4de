# SPDX-License-Identifier: MIT
"""pytest with its arguments, or SKIP (exit 77) where pytest is not installed."""
import sys

try:
    import pytest
except ImportError:
    print("SKIP: no pytest (Debian: apt-get install python3-pytest)")
    sys.exit(77)

sys.exit(pytest.main(sys.argv[1:]))
