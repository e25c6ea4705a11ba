"""One push worker process for the benchmark: an Odoo registry of its own, the push job's code.

    tools/run.sh python bench/push_worker.py DB

Loads the registry, prints ``READY``, waits for a line on stdin (so that every worker starts
together, after the slow registry load), then runs the push job (``_push_batch``, committing per
document, claiming with ``SKIP LOCKED`` as the cron workers do) until nothing is left, and prints
``RESULT {json}``: the consistency wait it read, documents done, start and end (epoch seconds),
RSS before and peak RSS of the run (KiB).
"""

from __future__ import annotations

import json
import re
import sys
import time

from common import odoo_env, open_registry


def status(key: str) -> int:
    with open("/proc/self/status") as handle:
        return int(re.search(key + r":\s+(\d+)", handle.read()).group(1))


def main() -> int:
    db = sys.argv[1]
    registry = open_registry(db)
    print("READY", flush=True)
    sys.stdin.readline()
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # the peak (VmHWM) from here: the registry load is not the run's
    before = status("VmRSS")
    start = time.time()
    done = 0
    with registry.cursor() as cr:
        jobs = odoo_env(cr)["tecpet.erp.document"]
        wait = jobs.env["ir.config_parameter"].get_param("tecpet_erp_sync.consistency_wait", "")
        while True:
            count, remaining = jobs._push_batch(batch_size=10_000, time_budget=3600, with_commit=True)
            done += count
            if not remaining:
                break
        cr.commit()
    end = time.time()
    result = {"wait": wait, "done": done, "start": start, "end": end}
    result.update(rss_before=before, rss_peak=status("VmHWM"))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
