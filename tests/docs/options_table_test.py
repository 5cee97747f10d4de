# SPDX-License-Identifier: MIT
"""README's table of every option of every command against the program: each command's
--help lists exactly the options of its rows (long and short), and the manual page names
every one.  A short option stands for one long option across all commands.

Usage: python3 options_table_test.py path/to/leaky README.md leaky.1
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leakytest import Checks  # noqa: E402


leaky, readme, manpage = sys.argv[1:4]
check = Checks("options_table")


def table(path):
    """{command: {(long, short)}} from the rows under '## Every option of every command'."""
    rows, inside = {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            inside = line.strip() == "## Every option of every command"
            continue
        m = re.match(r"^\| (\w+) \| `(--[a-z0-9-]+)` \| (?:`(-\w)`)? *\|", line)
        if inside and m:
            rows.setdefault(m.group(1), set()).add((m.group(2), m.group(3) or ""))
    return rows


def help_options(command):
    """The (long, short) pairs of the option lines of COMMAND --help (indented 1 to 6)."""
    out = subprocess.run([leaky, command, "--help"], capture_output=True, text=True)
    check(f"{command} --help exits 0", out.returncode == 0, out.stderr)
    found = set()
    for line in out.stdout.splitlines():
        m = re.match(r"^ {1,6}(-.*)$", line)
        if not m:
            continue
        head = re.split(r" {2,}", m.group(1))[0]
        longs = re.findall(r"(?:^|[ ,])(--[a-z][a-z0-9-]*)", head)
        shorts = re.findall(r"(?:^|[ ,])(-[a-zA-Z])(?=[ ,]|$)", head)
        for k, lo in enumerate(longs):
            found.add((lo, shorts[0] if shorts and k == 0 else ""))
    return found


want = table(readme)
check("the table has every command", set(want) ==
      {"eval", "apply", "plot", "demo", "info", "bench", "experiment"}, str(sorted(want)))
meaning = {}
man = open(manpage, encoding="utf-8").read().replace("\\-", "-")
for command, rows in sorted(want.items()):
    got = help_options(command)
    check(f"{command}: --help has the table's options", got == rows,
          f"only in --help: {sorted(got - rows)}; only in README: {sorted(rows - got)}")
    for long, short in rows:
        check(f"{command} {long}: in the manual page", long in man)
        if short:
            meaning.setdefault(short, set()).add(long)
for short, longs in sorted(meaning.items()):
    check(f"{short} means one thing", len(longs) == 1, str(sorted(longs)))

check.finish()
