"""Odoo test tier: install the addon in a fresh database on the real Odoo 18 and run its tests.

A database with ``account`` and ``l10n_br`` is built once and reused as a PostgreSQL template
(its filestore copied along), so each run starts from a clean copy in seconds.

The tests run through pytest-odoo, as OCA developers run them (``pytest --odoo-database=DB
tecpet_erp_sync/tests``; the default, what ``make test`` and CI use), or with ``--runner odoo``
inside ``odoo-bin --test-enable``, as OCA's CI runs them: both run the same tests.
Either way the run fails when a test fails or errors, when a test is skipped
(a skipped browser tour is not a pass), when no test ran, or when the log holds an
ERROR/CRITICAL line or a WARNING of the addon. The output ends with a pytest-style summary line.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

from dbtools import CACHE, ODOO_SRC, TOOLS, fresh_db, odoo, test_template_db

ADDON = "tecpet_erp_sync"
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
SKIP_RE = re.compile(r"\bINFO \S+ (\S+): skipped (.*)")
BAD_LINE_RE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
ADDON_WARNING_RE = re.compile(rf"^\S+ \S+ \d+ WARNING \S+ .*{ADDON}")
# Not a problem of the addon: odoo.tests logs this when pytest imports the test modules at
# collection, before pytest-odoo turns test mode on. (Failed tests are counted, not their lines.)
COLLECTION_NOISE_RE = re.compile(
    r" ERROR \S+ odoo\.tests\.common: Importing test framework, avoid importing from business modules"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_k(tags: str) -> str:
    """``/tecpet_erp_sync:TestA,/tecpet_erp_sync:TestB.test_x`` as a pytest ``-k`` expression."""
    names = [spec.split(":", 1)[1].replace(".", " and ") for spec in tags.split(",") if ":" in spec]
    return " or ".join(f"({name})" for name in names)


def run_pytest(db: str, tags: str, log) -> tuple[int, int, int, int]:
    """The addon's tests through pytest-odoo; returns (exit code, ran, not passed, skipped)."""
    if odoo(
        "-d", db, "-i", ADDON, "--without-demo=all", "--stop-after-init", log=log.with_suffix(".install.log")
    ):
        print(f"[tecpet] installing {ADDON} failed (log: {log.with_suffix('.install.log')})")
        return 1, 0, 0, 0
    report = log.with_suffix(".xml")
    report.unlink(missing_ok=True)  # a report left by an earlier run must not count as this one
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        f"{TOOLS.parent / ADDON / 'tests'}",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfEs",
        f"--junitxml={report}",
        f"--odoo-database={db}",
        f"--odoo-addons-path={ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'},{TOOLS.parent}",
        "--odoo-log-level=info",
        "--odoo-http",  # the browser tours are HttpCase tests
        f"--odoo-extra=logfile={log}",
        f"--odoo-extra=data-dir={CACHE / 'filestore'}",
        "--odoo-extra=http-interface=127.0.0.1",
        # A port of its own: two runs (two checkouts, a demo) must not fight over 8069.
        f"--odoo-extra=http-port={free_port()}",
    ]
    if tags != f"/{ADDON}":
        cmd += ["-k", pytest_k(tags)]
    rc = subprocess.call(cmd)
    if not report.exists():
        return rc or 1, 0, 0, 0
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    ran, failures, errors, skipped = (
        int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
    )
    return rc, ran - skipped, failures + errors, skipped


def run_odoo(db: str, tags: str, log) -> tuple[int, int, int, int]:
    """The addon's tests inside ``odoo-bin --test-enable``; returns (exit code, ran, not passed, skipped)."""
    rc = odoo(
        "-d",
        db,
        "-i",
        ADDON,
        "--without-demo=all",
        "--test-enable",
        f"--test-tags={tags}",
        "--stop-after-init",
        f"--http-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--workers=0",
        "--max-cron-threads=0",
        log=log,
    )
    failed = errors = ran = 0
    lines = log.read_text(errors="replace").splitlines()
    for line in lines:
        if m := RESULT_RE.search(line):
            failed, errors, ran = (int(g) for g in m.groups())  # the last report is the total
    skipped = [m.group(2) for line in lines if (m := SKIP_RE.search(line))]
    for reason in skipped:
        print(f"SKIPPED (counts as a failure): {reason}")
    return rc, ran - len(skipped), failed + errors, len(skipped)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--tags", default=f"/{ADDON}", help="odoo --test-tags spec (/addon:Class[.method],...)"
    )
    parser.add_argument("--db", default="tecpet_test")
    parser.add_argument(
        "--runner",
        choices=["pytest", "odoo"],
        default="pytest",
        help="pytest-odoo (OCA developers' way, the default) or odoo-bin --test-enable (same tests)",
    )
    args = parser.parse_args()

    fresh_db(args.db, demo=False, template=test_template_db())
    log = CACHE / "logs" / f"odoo-tests-{args.db}.log"
    log.unlink(missing_ok=True)
    print(
        f"[tecpet] installing {ADDON} in {args.db} and running tests {args.tags} with {args.runner} "
        f"(log: {log})",
        flush=True,
    )
    rc, passed_or_failed, not_passed, skipped = (run_pytest if args.runner == "pytest" else run_odoo)(
        args.db, args.tags, log
    )
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    bad = [
        line
        for line in lines
        if (BAD_LINE_RE.match(line) or ADDON_WARNING_RE.match(line)) and not COLLECTION_NOISE_RE.search(line)
    ]
    for line in bad[:40]:
        print(line)
    problems = []
    if rc:
        problems.append(f"{args.runner} exited with {rc}")
    if passed_or_failed == 0:
        problems.append("no test ran")
    if skipped:
        problems.append(f"{skipped} test(s) skipped")
    if bad and not not_passed:
        problems.append(f"{len(bad)} ERROR/CRITICAL or addon WARNING log line(s)")
    if problems:
        print("\n".join(lines[-30:]) if not bad and args.runner == "odoo" else "")
        print(f"[tecpet] Odoo tests FAILED: {'; '.join(problems)} (full log: {log})")
    print(f"{passed_or_failed - not_passed} passed, {not_passed} failed, {skipped} skipped")
    return 1 if problems or not_passed else 0


if __name__ == "__main__":
    sys.exit(main())
