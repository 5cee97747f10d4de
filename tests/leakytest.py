# SPDX-License-Identifier: MIT
"""What the Python test scripts share: pass/fail counting, running the leaky program, bit
comparisons.  A script puts tests/ on sys.path and imports it."""
import os
import subprocess
import sys
import tempfile


def numpy_or_skip():
    """numpy, or exit 77 (ctest's SKIP) when it is missing."""
    try:
        import numpy
    except ImportError:
        print("SKIP: numpy is not installed for", sys.executable)
        sys.exit(77)
    return numpy


class Checks:
    """Counts checks; a failed one prints its name and detail on stderr."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def __call__(self, what, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what, detail, file=sys.stderr)

    def finish(self, note=""):
        """Prints the tally and exits: 1 when a check failed."""
        print(f"{self.name}: {note}{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def run(program, *args):
    """(exit status, stdout, stderr) of the program with args."""
    p = subprocess.run([program, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class Scratch:
    """The program under test and a scratch folder for its files."""

    def __init__(self, program):
        self.program, self.folder = program, tempfile.mkdtemp()

    def path(self, name):
        return os.path.join(self.folder, name)

    def run(self, *args):
        return run(self.program, *args)


def same_bits(a, b):
    """Same shape, dtype and bytes (NaN payloads and the sign of zero included)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
