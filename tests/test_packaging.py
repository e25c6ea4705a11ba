"""Packaging: the addon's wheel carries no ERP sandbox; the sandbox is a distribution of its own.

Both wheels are built for real (whool for the addon, as ``make wheel`` does; setuptools for the
sandbox, from a copy so the checkout gets no build folders) and their contents are read back.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import requests
import whool.buildapi
from tecpet_erp_sandbox.readback import VHSYS_HEADERS

ROOT = Path(__file__).resolve().parent.parent
SANDBOX = ROOT / "sandbox"


def test_addon_wheel_holds_the_addon_and_no_sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "tecpet_erp_sync")
    with zipfile.ZipFile(tmp_path / whool.buildapi.build_wheel(str(tmp_path))) as archive:
        names = archive.namelist()
        assert "odoo/addons/tecpet_erp_sync/__manifest__.py" in names
        assert "odoo/addons/tecpet_erp_sync/erp/vhsys/client.py" in names
        sandbox_files = [n for n in names if re.search(r"(^|/)(sandbox|tecpet_erp_sandbox)(/|$)", n)]
        assert sandbox_files == [], f"the addon's wheel ships sandbox code: {sandbox_files}"
        # Nor under another name: no module of the wheel defines the sandbox's server.
        servers = [n for n in names if n.endswith(".py") and b"class SandboxServer" in archive.read(n)]
        assert servers == []


def test_sandbox_wheel_holds_every_module_and_the_console_script(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(SANDBOX, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("tecpet_erp_sandbox-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        text = archive.read(entry_points).decode()
    modules = {f"tecpet_erp_sandbox/{p.name}" for p in (SANDBOX / "src" / "tecpet_erp_sandbox").glob("*.py")}
    assert len(modules) > 5 and modules <= set(names), sorted(modules - set(names))
    assert "tecpet-erp-sandbox = tecpet_erp_sandbox.__main__:main" in text


def test_command_serves_both_erps(tmp_path):
    """``tecpet-erp-sandbox --port N`` (its ``main``) answers for VHSYS and Bling on that port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tecpet_erp_sandbox", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(SANDBOX / "src"), *sys.path])},
    )
    try:
        banner = process.stderr.readline()
        assert f"127.0.0.1:{port}" in banner, banner
        base = f"http://127.0.0.1:{port}"
        assert requests.get(base + "/", timeout=5).status_code == 200
        vhsys = requests.get(base + "/vhsys/v2/clientes", headers=VHSYS_HEADERS, timeout=5)
        assert vhsys.json() == {"code": 403, "status": "error", "data": "Nenhum cliente encontrado!"}
        bling = requests.get(base + "/bling/Api/v3/contatos", timeout=5)
        assert (bling.status_code, bling.json()["error"]["type"]) == (401, "UNAUTHORIZED")
    finally:
        process.terminate()
        process.wait(timeout=10)
