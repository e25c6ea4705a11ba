"""``tecpet-erp-sandbox [--port 8070]``: run the ERP sandbox in the foreground.

Also ``python -m tecpet_erp_sandbox``; the console script calls :func:`main`.
"""

import argparse
import contextlib
import logging

from .server import SandboxServer


def main() -> None:
    parser = argparse.ArgumentParser(description="Local VHSYS v2 / Bling v3 sandbox (loopback only).")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8070, help="port (default 8070; 0 picks a free one)")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every ERP call")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random fault rules")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = SandboxServer(args.host, args.port, seed=args.seed)
    server.latency = args.latency_ms / 1000.0
    logging.getLogger(__name__).info(
        "ERP sandbox on %s  (VHSYS: %s  Bling: %s)", server.url, server.vhsys_url, server.bling_url
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop it
        server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
