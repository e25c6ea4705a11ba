"""ERP sandbox: a local server speaking the VHSYS v2 and Bling v3 wire protocols.

VHSYS has no sandbox of its own and Bling tests hit real accounts, so the demo, the tests and
integrators use this one. Run it with ``tecpet-erp-sandbox --port 8070`` (or
``python -m tecpet_erp_sandbox``).
It keeps state in memory, lets a person or a test pay, issue or cancel documents and inject
faults, and logs every request. Loopback only.
"""

from .server import SandboxServer

__all__ = ["SandboxServer"]
