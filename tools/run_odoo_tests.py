"""Odoo test tier: install the addon in a fresh database on the real Odoo 18 and run its tests.

A database with ``account`` and ``l10n_br`` is built once and reused as a PostgreSQL template
(its filestore copied along), so each run starts from a clean copy in seconds. The run fails
when Odoo fails, when any test fails or errors, when a test is skipped (a skipped browser tour
is not a pass), when no test ran, or when the log holds an ERROR/CRITICAL line. The output ends
with a pytest-style summary line.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys

from dbtools import CACHE, fresh_db, odoo, test_template_db

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
SKIP_RE = re.compile(r"\bINFO \S+ (\S+): skipped (.*)")
BAD_LINE_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
ADDON_WARNING_RE = re.compile(r"^\S+ \S+ \d+ WARNING \S+ .*tecpet_erp_sync")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tags", default="/tecpet_erp_sync", help="odoo --test-tags spec")
    parser.add_argument("--db", default="tecpet_test")
    args = parser.parse_args()

    fresh_db(args.db, demo=False, template=test_template_db())
    log = CACHE / "logs" / f"odoo-tests-{args.db}.log"
    print(
        f"[tecpet] installing tecpet_erp_sync in {args.db} and running tests {args.tags} (log: {log})",
        flush=True,
    )
    rc = odoo(
        "-d",
        args.db,
        "-i",
        "tecpet_erp_sync",
        "--without-demo=all",
        "--test-enable",
        f"--test-tags={args.tags}",
        "--stop-after-init",
        f"--http-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--workers=0",
        "--max-cron-threads=0",
        log=log,
    )
    lines = log.read_text(errors="replace").splitlines()
    failed = errors = ran = 0
    for line in lines:
        if m := RESULT_RE.search(line):
            failed, errors, ran = (int(g) for g in m.groups())  # the last report is the total
    skipped = [m.group(2) for line in lines if (m := SKIP_RE.search(line))]
    bad = [line for line in lines if BAD_LINE_RE.match(line) or ADDON_WARNING_RE.match(line)]

    for line in bad[:40]:
        print(line)
    for reason in skipped:
        print(f"SKIPPED (counts as a failure): {reason}")
    problems = []
    if rc:
        problems.append(f"odoo exited with {rc}")
    if ran == 0:
        problems.append("no test ran")
    if skipped:
        problems.append(f"{len(skipped)} test(s) skipped")
    if bad and not (failed or errors):
        problems.append(f"{len(bad)} ERROR/CRITICAL log line(s)")
    if problems:
        print("\n".join(lines[-30:]) if not bad else "")
        print(f"[tecpet] Odoo tests FAILED: {'; '.join(problems)} (full log: {log})")
    not_passed = failed + errors
    print(f"{ran - not_passed - len(skipped)} passed, {not_passed} failed, {len(skipped)} skipped")
    return 1 if problems or not_passed else 0


if __name__ == "__main__":
    sys.exit(main())
