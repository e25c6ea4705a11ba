"""`make demo`'s server: seed the demo database (tools/demo_seed.py), then serve it, in one
process. Run through tools/odoo.sh (``ODOO_ENTRY``) with odoo-bin's arguments, ``-d`` included.

Seeding in `odoo-bin shell` and then starting `odoo-bin` loaded the database's registry twice, a
few seconds each; here the server finds the registry the seed loaded: it is not asked to preload
the database (that would build a new registry), the cron threads work for every loaded registry,
and requests reach it through ``-d``/``--db-filter``.
"""

import os
import sys
import threading
import traceback

os.environ["TZ"] = "UTC"  # as odoo-bin sets it, before anything reads the time

from demo_seed import seed

import odoo
from odoo.modules.registry import Registry


def main(args):
    odoo.tools.config.parse_config(args, setup_logging=True)
    database = odoo.tools.config["db_name"]
    threading.current_thread().dbname = database  # the log lines name it
    try:
        with Registry(database).cursor() as cr:
            seed(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), os.environ["TECPET_SANDBOX_URL"])
    except Exception:
        traceback.print_exc()
        print(f"[tecpet] Seeding the demo database {database} failed (above).", flush=True)
        return 1
    print(f"[tecpet] {database} is ready: serving it.", flush=True)
    return odoo.service.server.start(preload=[], stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
