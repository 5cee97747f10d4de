# SPDX-License-Identifier: MIT
"""Every command shown in the docs' example blocks, run, its output compared with what the
docs show.  An example block is a fenced block whose info string has the word `example`
(```console example): lines starting with "$ " are commands, run in order by bash in one
scratch folder per document (so a file one makes, the next can use), with the leaky
program first on PATH; the lines after a command are its output (standard output and
error together), compared exactly, except that a line ending in "..." matches any line
that starts with what comes before the dots (for what differs between machines).

Usage: python3 doc_examples_test.py path/to/leaky DOC.md...
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leakytest import Checks  # noqa: E402


leaky = os.path.abspath(sys.argv[1])
check = Checks("doc_examples")


def examples(path):
    """[(line number, command, [expected lines])] of the document's example blocks."""
    found, inside, example, fence = [], False, False, None
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        m = re.match(r"^(```+)(.*)$", line)
        if m and not inside:
            inside, fence = True, m.group(1)
            example = "example" in m.group(2).split()
            continue
        if inside and line.strip() == fence:
            inside = example = False
            continue
        if example and line.startswith("$ "):
            found.append((number, line[2:], []))
        elif example and found:
            found[-1][2].append(line.rstrip())
    return found


def matches(want, got):
    if len(want) != len(got):
        return False
    for w, g in zip(want, got):
        if w.endswith("...") and g.startswith(w[:-3].rstrip()):
            continue
        if w != g:
            return False
    return True


env = dict(os.environ, PATH=os.path.dirname(leaky) + ":/usr/bin:" + os.environ.get("PATH", ""),
           LC_ALL="C")
total = 0
for doc in sys.argv[2:]:
    cases = examples(doc)
    total += len(cases)
    with tempfile.TemporaryDirectory() as folder:
        for number, command, want in cases:
            run = subprocess.run(["bash", "-c", command], cwd=folder, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            got = [line.rstrip() for line in run.stdout.splitlines()]
            while want and want[-1] == "":
                want = want[:-1]
            check(f"{os.path.basename(doc)}:{number}: {command}", matches(want, got),
                  "\n  the docs show:\n    " + "\n    ".join(want) +
                  "\n  the command printed:\n    " + "\n    ".join(got))
check("the docs have examples", total > 0)
check.finish(f"{total} commands, ")
