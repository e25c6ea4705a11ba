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
    psql(f'alter database "{partial}" rename to "{name}"')
    if (FILESTORE / partial).exists():
        (FILESTORE / partial).rename(FILESTORE / name)
    return name


def fresh_db(name: str, demo: bool) -> None:
    """(Re)create ``name`` as a copy of the template."""
    template = template_db(demo)
    drop_db(name)
    psql(f'create database "{name}" template "{template}"')
    if (FILESTORE / template).exists():
        shutil.copytree(FILESTORE / template, FILESTORE / name)
