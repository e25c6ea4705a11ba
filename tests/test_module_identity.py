"""One identity for the addon's modules in the bench scripts (architecture review §1.3).

The bench runs Odoo in its own process: an ``erp`` module imported as ``tecpet_erp_sync.erp``
(the repository on PYTHONPATH) beside the ``odoo.addons.tecpet_erp_sync.erp`` the registry
loads would be a second copy (two ErpError hierarchies, two rate-limiter registries).
"""

import ast
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
PROBE = """
import sys
import bad_input, run, soak  # noqa: F401
prefixes = ("tecpet_erp_sync.erp", "odoo.addons.tecpet_erp_sync.erp")
print(sorted(m for m in sys.modules if m.startswith(prefixes)))
"""


def test_bench_scripts_import_the_addon_as_odoo_does():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BENCH, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    modules = ast.literal_eval(out)
    assert "odoo.addons.tecpet_erp_sync.erp.states" in modules
    assert [m for m in modules if m.startswith("tecpet_erp_sync.erp")] == []
