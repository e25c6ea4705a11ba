"""Fault soak: random faults at every step, job processes killed mid-batch and run two at a
time; at the end every invoice is settled and the ERP holds exactly one document per marker.

    tools/run.sh python bench/soak.py [--short] [--invoices N] [--rounds R]   (seed: SOAK_SEED)

Real Odoo (a fresh database), real PostgreSQL, the job run as `odoo-bin shell` processes over
loopback HTTP to the ERP sandbox running in this process. A killed worker's lease would expire
after CLAIM_LEASE in production; between rounds the soak expires it at once (next_attempt_at).
Ends with "N passed, M failed" over the invariants checked; exits non-zero on any violation.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dbtools  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api, fields  # noqa: E402

from tecpet_erp_sync.sandbox.server import SandboxServer  # noqa: E402

DB = "tecpet_soak"
WRITE_PATHS = [
    r"^/ordens-servico$",
    r"/servicos$",
    r"/parcelas$",
    r"^/pedidos$",
    r"^/pedidos/\d+/produtos$",
    r"/estoque$",
    r"^/clientes$",
    r"/status$",
    r"^/ordens-servico/\d+$",
    r"^/pedidos/\d+$",
]
FAULTS = [
    "timeout_after_write",
    "timeout_before_write",
    "rate_limit",
    "server_error",
    "server_error_after_write",
    "html_error",
    "outage",
]
JOB_SCRIPT = "env['tecpet.erp.document']._push_batch(batch_size=40, time_budget=60, with_commit=True)\n"


def odoo_env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


def setup_database(sandbox: SandboxServer, invoices: int, rng: random.Random) -> None:
    dbtools.fresh_db(DB, demo=False)
    if dbtools.odoo(
        "-d",
        DB,
        "-i",
        "tecpet_erp_sync",
        "--stop-after-init",
        "--without-demo=all",
        log=dbtools.CACHE / "logs" / "soak-install.log",
    ):
        sys.exit("installing the addon failed; see the soak-install log")
    registry = odoo.modules.registry.Registry.new(DB)
    with registry.cursor() as cr:
        env = odoo_env(cr)
        env["ir.config_parameter"].set_param("tecpet_erp_sync.consistency_wait", "0")
        company = env.ref("base.main_company")
        env.ref("base.BRL").active = True
        env["tecpet.erp.integration"].create(
            {
                "name": "soak",
                "provider": "vhsys",
                "company_id": company.id,
                "api_url": sandbox.vhsys_url,
                "vhsys_access_token": "soak",
                "vhsys_secret_token": "soak",
                "default_payment_method": "PIX",
            }
        )
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Cliente {i}",
                    "vat": cpf,
                    "l10n_latam_identification_type_id": env.ref("l10n_br.cpf").id,
                    "country_id": env.ref("base.br").id,
                    "state_id": env.ref("base.state_br_sp").id,
                    "street_name": "Rua A",
                    "street_number": str(i + 1),
                    "street2": "Centro",
                    "city": "São Paulo",
                    "zip": "01001-000",
                    "phone": "+55 11 98765-4321",
                }
                for i, cpf in enumerate(["529.982.247-25", "111.444.777-35", "390.533.447-05"])
            ]
        )
        service = env["product.product"].create({"name": "Banho", "type": "service", "default_code": "SRV"})
        goods = [
            env["product.product"].create({"name": f"Ração {i}", "type": "consu", "default_code": f"RAC-{i}"})
            for i in range(3)
        ]
        kinds = [[service], goods[:1], [service, goods[1]], [service, goods[2]]]
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "currency_id": env.ref("base.BRL").id,
                    "partner_id": rng.choice(partners).id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": p.id,
                                "quantity": rng.randint(1, 3),
                                "price_unit": rng.randint(10, 300),
                                "tax_ids": [],
                            }
                        )
                        for p in rng.choice(kinds)
                    ],
                }
                for _ in range(invoices)
            ]
        )
        moves.action_post()


def job_process() -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", str(ROOT / "tools" / "odoo.sh"), "shell", "-d", DB, "--no-http", "--log-level=critical"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def run_jobs(rng: random.Random, concurrent: int, kill_probability: float) -> int:
    """Run job processes at once; maybe SIGKILL one mid-batch. Returns how many were killed."""
    processes = [job_process() for _ in range(concurrent)]
    for process in processes:
        process.stdin.write(JOB_SCRIPT.encode())
        process.stdin.close()
    killed = 0
    if rng.random() < kill_probability:
        time.sleep(rng.uniform(2.5, 6.0))  # odoo-bin shell takes ~2.5 s to start
        victim = rng.choice(processes)
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            killed = 1
    for process in processes:
        process.wait(timeout=600)
    return killed


def expire_leases(cr) -> None:
    cr.execute("UPDATE tecpet_erp_document SET next_attempt_at = NULL WHERE state = 'processing'")
    cr.commit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="the quick campaign run by make test")
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    invoices = args.invoices or (60 if args.short else 1500)
    rounds = args.rounds or (4 if args.short else 12)
    seed = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    print(f"[soak] seed {seed} (replay: SOAK_SEED={seed}); {invoices} invoices, {rounds} rounds", flush=True)

    odoo.tools.config.parse_config(
        [
            "-d",
            DB,
            f"--addons-path={dbtools.ODOO_SRC / 'addons'},{ROOT}",
            f"--db_host={os.environ['PGHOST']}",
            f"--db_port={os.environ['PGPORT']}",
            f"--db_user={os.environ['PGUSER']}",
            "--log-level=critical",
        ]
    )
    sandbox = SandboxServer.start(seed=seed)
    sandbox.latency = 0.002
    setup_database(sandbox, invoices, rng)
    registry = odoo.modules.registry.Registry(DB)
    killed = 0
    cancel_requested = 0

    for round_no in range(rounds):
        sandbox.faults.clear()
        for _ in range(rng.randint(2, 5)):
            sandbox.faults.add(
                fault=rng.choice(FAULTS),
                provider="vhsys",
                path=rng.choice(WRITE_PATHS),
                count=-1,
                probability=rng.uniform(0.05, 0.3),
                delay=0.2,
            )
        if rng.random() < 0.5:
            sandbox.faults.add(
                fault=rng.choice(["server_error", "html_error", "outage"]),
                provider="vhsys",
                method="GET",
                count=-1,
                probability=0.05,
                delay=0.2,
            )
        killed += run_jobs(rng, concurrent=2, kill_probability=0.6)
        with registry.cursor() as cr:
            env = odoo_env(cr)
            if round_no == rounds // 2:  # cancel some invoices mid-campaign: resets push cancellations
                opened = env["account.move"].search([("service_order_state", "=", "open")])
                chosen = opened.filtered(lambda m: rng.random() < 0.15)
                chosen.button_draft()
                cancel_requested += len(chosen)
            cr.commit()
            expire_leases(cr)
        print(
            f"[soak] round {round_no + 1}/{rounds}: faults injected {sandbox.faults.injected}, "
            f"killed {killed}",
            flush=True,
        )

    # Calm: no more faults; let the jobs finish and reprocess what gave up on the connection.
    sandbox.faults.clear()
    for _ in range(10):
        with registry.cursor() as cr:
            env = odoo_env(cr)
            env["tecpet.erp.document"].search(
                [("state", "=", "error"), ("error_kind", "=", "connection")]
            )._requeue()
            cr.commit()
            expire_leases(cr)
            pending = env["tecpet.erp.document"].search_count([("pending_action", "!=", False)])
        if not pending:
            break
        run_jobs(rng, concurrent=1, kill_probability=0)
    return verify(registry, sandbox, seed, killed, cancel_requested)


def verify(registry, sandbox, seed, killed, cancel_requested) -> int:
    remote = {}
    for doc in sandbox.control("state", {})["vhsys"]["documents"]:
        remote.setdefault(doc["marker"], []).append(doc)
    checks: list[tuple[str, bool]] = []
    with registry.cursor() as cr:
        docs = odoo_env(cr)["tecpet.erp.document"].with_context(active_test=False).search([])
        states = {}
        for doc in docs:
            states[doc.state] = states.get(doc.state, 0) + 1
            live = [r for r in remote.get(doc.marker, []) if r["live"]]
            if doc.state == "open":
                checks.append((f"{doc.marker} open: one live ERP document", len(live) == 1))
                if len(live) == 1:
                    one = live[0]
                    checks.append((f"{doc.marker}: Odoo points at it", one["id"] == doc.external_id))
                    complete = one["items"] > 0 and one["installments_total"] == one["items_total"]
                    checks.append((f"{doc.marker}: complete (items, installments)", complete))
                    if doc.doc_type == "sales_order":
                        ok = one["stock_exits"] == 1 and one["stock_reversals"] == 0
                        checks.append((f"{doc.marker}: one stock exit", ok))
            elif doc.state == "canceled":
                checks.append((f"{doc.marker} canceled: nothing live in the ERP", not live))
            else:
                checks.append((f"{doc.marker}: settled (state {doc.state}: {doc.error_message})", False))
            for dead in [
                r for r in remote.get(doc.marker, []) if not r["live"] and r["doc_type"] == "sales_order"
            ]:
                checks.append(
                    (
                        f"{doc.marker}: stock of a dropped PV reversed",
                        dead["stock_exits"] == dead["stock_reversals"],
                    )
                )
        markers = set(docs.mapped("marker"))
        total_docs = len(docs)
        lost = sum(
            1 for d in docs if d.state == "open" and not any(r["live"] for r in remote.get(d.marker, []))
        )
    stray = [m for m, rows in remote.items() if m not in markers and any(r["live"] for r in rows)]
    checks.append(("no live ERP document without an Odoo document", not stray))
    duplicates = sum(1 for m in markers if sum(r["live"] for r in remote.get(m, [])) > 1)
    failed = [name for name, ok in checks if not ok]
    for name in failed[:30]:
        print(f"[soak] FAILED: {name}")
    print(
        f"[soak] documents {total_docs} {states}; ERP documents {sum(len(v) for v in remote.values())}; "
        f"faults injected {sandbox.faults.injected}; workers killed {killed}; cancels {cancel_requested}; "
        f"duplicates {duplicates}; lost {lost}; seed {seed}"
    )
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
