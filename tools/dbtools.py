"""Databases for the tests and the demo: PostgreSQL templates built once, then cheap copies.

``account`` + ``l10n_br`` take about a minute to install; a template keeps that cost to the first
run. A database copy shares nothing with its template but the data (the filestore is copied).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
CACHE = Path(os.environ["CACHE_DIR"])
ODOO_SRC = Path(os.environ["ODOO_SRC"])
FILESTORE = CACHE / "filestore" / "filestore"
BASE_MODULES = "account,l10n_br"
ADDON = TOOLS.parent / "tecpet_erp_sync"


def odoo(*args: str, log: Path | None = None) -> int:
    cmd = ["bash", str(TOOLS / "odoo.sh"), *args]
    if log is None:
        return subprocess.call(cmd)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        return subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-X", "-q", "-tA", "-d", db, "-c", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def db_exists(name: str) -> bool:
    return psql(f"select 1 from pg_database where datname = '{name}'") == "1"


def drop_db(name: str) -> None:
    psql(f'drop database if exists "{name}" with (force)')
    shutil.rmtree(FILESTORE / name, ignore_errors=True)


def template_db(demo: bool) -> str:
    """Name of the account+l10n_br template for this Odoo tree (with or without demo data)."""
    release = (ODOO_SRC / "odoo" / "release.py").read_bytes()
    key = hashlib.sha256(release + BASE_MODULES.encode() + bytes([demo])).hexdigest()[:10]
    name = f"tecpet_{'demo' if demo else 'base'}_{key}"
    if db_exists(name):
        return name
    print(f"[tecpet] building template database {name} ({BASE_MODULES}, about a minute)...", flush=True)
    partial = name + "_partial"
    drop_db(partial)
    log = CACHE / "logs" / f"{name}.log"
    demo_args = [] if demo else ["--without-demo=all"]
    if odoo("-d", partial, "-i", BASE_MODULES, *demo_args, "--stop-after-init", log=log):
        sys.exit(f"Building the template database failed; see {log}")
    # Copies inherit the planner statistics: without them some of Odoo's account queries take minutes.
    psql("ANALYZE", db=partial)
    _rename_db(partial, name)
    return name


def test_template_db() -> str:
    """The template of the Odoo test tier: the base template plus the companies with their chart
    that every test class would otherwise create (tools/test_companies.py)."""
    base = template_db(demo=False)
    script = TOOLS / "test_companies.py"
    name = f"tecpet_tests_{hashlib.sha256(base.encode() + script.read_bytes()).hexdigest()[:10]}"
    if db_exists(name):
        return name
    print(f"[tecpet] building template database {name} (test companies, about two minutes)...", flush=True)
    partial = name + "_partial"
    _copy_db(base, partial)
    log = CACHE / "logs" / f"{name}.log"
    log.unlink(missing_ok=True)
    if _shell_script(partial, script, log, "--without-demo=all"):
        sys.exit(f"Building the test template database failed; see {log}")
    psql("ANALYZE", db=partial)
    _rename_db(partial, name)
    return name


def _shell_script(db: str, script: Path, log: Path, *args: str) -> int:
    """Run ``script`` in ``odoo-bin shell`` on ``db`` (its ``env`` global), appending to ``log``."""
    with script.open() as stdin, log.open("a") as out:
        cmd = ["bash", str(TOOLS / "odoo.sh"), "shell", "-d", db, "--no-http", *args]
        return subprocess.call(cmd, stdin=stdin, stdout=out, stderr=subprocess.STDOUT)


def demo_template_db() -> str:
    """The template of `make demo`: the demo base template with the addon and its demo data
    installed and the web client's assets generated (tools/demo_assets.py), so that a demo starts
    from a copy in seconds and its first page is served at once. Rebuilt whenever the addon or
    that script changes; the older demo templates of this checkout are dropped then."""
    base = template_db(demo=True)
    script = TOOLS / "demo_assets.py"
    content = hashlib.sha256(base.encode() + script.read_bytes())
    for path in sorted(ADDON.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            content.update(str(path.relative_to(ADDON)).encode() + b"\0" + path.read_bytes())
    checkout = hashlib.sha256(str(TOOLS.parent).encode()).hexdigest()[:6]
    prefix = f"tecpet_demoaddon_{checkout}_"
    name = prefix + content.hexdigest()[:10]
    if db_exists(name):
        return name
    print(f"[tecpet] building template database {name} (the addon, its demo data, web assets)...", flush=True)
    partial = name + "_partial"
    _copy_db(base, partial)
    log = CACHE / "logs" / f"{name}.log"
    if odoo("-d", partial, "-i", ADDON.name, "--stop-after-init", "--log-level=warn", log=log):
        sys.exit(f"Installing the addon in the demo template failed; see {log}")
    if _shell_script(partial, script, log, "--log-level=warn"):
        sys.exit(f"Generating the demo template's assets failed; see {log}")
    psql("ANALYZE", db=partial)
    for old in psql(f"select datname from pg_database where datname like '{prefix}%'").split():
        if old != partial:
            drop_db(old)
    _rename_db(partial, name)
    return name


def _copy_db(template: str, name: str) -> None:
    drop_db(name)
    psql(f'create database "{name}" template "{template}"')
    if (FILESTORE / template).exists():
        shutil.copytree(FILESTORE / template, FILESTORE / name)


def _rename_db(old: str, new: str) -> None:
    psql(f'alter database "{old}" rename to "{new}"')
    if (FILESTORE / old).exists():
        (FILESTORE / old).rename(FILESTORE / new)


def fresh_db(name: str, demo: bool, template: str | None = None) -> None:
    """(Re)create ``name`` as a copy of ``template`` (the base or demo template by default)."""
    _copy_db(template or template_db(demo), name)
