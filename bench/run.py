"""`make bench`: the speed bars of PRODUCT.md §3, as ratios measured in one run.

    tools/run.sh python bench/run.py [--latency-ms 50] [--memory-invoices 2000]

Real Odoo 18 on a fresh database, real PostgreSQL, the ERP sandbox over loopback HTTP. Prints a
table (measurement, value, bar, verdict) and writes bench/results/<date>-<host>.json and
bench/results/latest.json. Exits non-zero when a bar is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import time
from collections import Counter

import requests
from common import (
    ROOT,
    bling_catalogue,
    catalogue,
    customers,
    database_without_addon,
    dbtools,
    new_database,
    new_invoices,
    odoo_env,
    vhsys_integration,
)
from tecpet_erp_sandbox.bling import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tecpet_erp_sandbox.clock import BRT
from tecpet_erp_sandbox.server import SandboxServer
from tecpet_erp_sandbox.wire import Request

import odoo

from odoo.addons.tecpet_erp_sync.erp.vhsys import VhsysClient, VhsysOptions

DB = os.environ.get("TECPET_BENCH_DB", "tecpet_bench")  # another name: two checkouts at once
RESULTS = ROOT / "bench" / "results"
BLING_RATE = 3.0  # requests per second allowed by Bling per account
REAL_LATENCY = 0.150  # seconds per call of a real account (150-300 ms), for the parallel push
CONSISTENCY_WAIT = 0.65  # VHSYS: seconds between a new header and its parts (erp-apis/vhsys.md)
KINDS = ("service", "goods", "mixed")


class Bench:
    def __init__(self, latency: float, memory_invoices: int, backlog: int):
        self.latency = latency
        self.memory_invoices = memory_invoices
        self.backlog_invoices = backlog
        self.rng = random.Random(0)
        self.sandbox = SandboxServer.start()
        self.registry = new_database(DB, "bench-install")
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            self.integration_id = vhsys_integration(env, self.sandbox, "bench").id
            self.partner_ids = customers(env).ids
            products = catalogue(env)
            self.line_sets = {k: [p.id for p in v] for k, v in products.items()}
            # goods lines of each kind: one stock exit each in VHSYS
            self.goods_lines = {k: sum(1 for p in v if p.type != "service") for k, v in products.items()}
        # The same company, customers and products in a database without the addon at all.
        self.plain = database_without_addon(DB + "_without_addon")
        with self.plain.cursor() as cr:
            env = odoo_env(cr)
            self.plain_partner_ids = customers(env).ids
            self.plain_line_sets = {k: [p.id for p in v] for k, v in catalogue(env).items()}
        self.rows: list[dict] = []
        self.details: dict[str, object] = {}
        self.bling_id = 0  # the Bling integration, made by the first step that needs it
        self.seed = 100_000_000  # CPFs of the customers new to the ERPs
        self.vhsys_orders: list[int] = []  # service orders seeded in the VHSYS emulator
        self.vhsys_paid: set[int] = set()  # of which paid

    # -- helpers -----------------------------------------------------------------------------
    def row(self, measurement: str, value: str, bar: str, ok: bool) -> None:
        self.rows.append({"measurement": measurement, "value": value, "bar": bar, "ok": bool(ok)})

    def invoices(self, env, count: int, kinds=("service",)):
        plain = env.cr.dbname != DB
        partners = env["res.partner"].browse(self.plain_partner_ids if plain else self.partner_ids)
        line_sets = [
            env["product.product"].browse((self.plain_line_sets if plain else self.line_sets)[k])
            for k in kinds
        ]
        return new_invoices(env, partners, line_sets, count, self.rng)

    def vhsys_calls(self) -> int:
        return len(self.sandbox.requests_log("vhsys"))

    # -- 1. posting ----------------------------------------------------------------------------
    def posting_overhead(self, repeats: int = 3) -> None:
        """500 invoices posted with the addon and an active integration vs. Odoo without the addon."""
        for registry in (self.registry, self.plain):  # warm caches: the first post of a registry is slower
            self._time_posting(registry, 10)
        seconds = {True: 0.0, False: 0.0}
        documents = 0
        with HttpCounter() as http:
            # 20 slots of 25 invoices a side, interleaved so that drift hits both sides alike; each
            # slot is the best of ``repeats`` posts (as timeit does): this VM's stalls of a few
            # hundred ms would otherwise decide the ratio.
            for slot in range(20):
                for with_addon in (True, False) if slot % 2 else (False, True):
                    runs = [
                        self._time_posting(self.registry if with_addon else self.plain, 25)
                        for _ in range(repeats)
                    ]
                    seconds[with_addon] += min(elapsed for elapsed, _ in runs)
                    documents += runs[0][1]
        ratio = seconds[True] / seconds[False]
        self.details["posting_seconds"] = {"with_addon": seconds[True], "without_addon": seconds[False]}
        self.row(
            f"posting 500 invoices, with the addon / without it (best of {repeats})",
            f"{ratio:.3f}",
            "≤ 1.10",
            ratio <= 1.10,
        )
        self.row(
            "HTTP requests while posting (documents queued)",
            f"{http.count} ({documents} queued)",
            "0",
            http.count == 0 and documents == 500,
        )

    def _time_posting(self, registry, count: int) -> tuple[float, int]:
        """Seconds to post ``count`` new invoices (flushed), and the ERP documents queued; rolled back."""
        with registry.cursor() as cr:
            env = odoo_env(cr)
            moves = self.invoices(env, count)
            env.flush_all()
            gc.collect()  # a collection inside one side's timing would be noise
            gc.disable()
            start = time.perf_counter()
            moves.action_post()
            env.flush_all()
            elapsed = time.perf_counter() - start
            gc.enable()
            queued = len(moves.erp_document_ids) if "erp_document_ids" in moves._fields else 0
            cr.rollback()
        return elapsed, queued

    # -- 2. list -------------------------------------------------------------------------------
    def list_queries(self) -> None:
        """SQL queries of the Invoices list (web_search_read as the web client calls it) by rows."""
        counts = {}
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            self.invoices(env, 500).action_post()
            view = env["account.move"].get_views([(env.ref("account.view_out_invoice_tree").id, "list")])
            fields_ = view["models"]["account.move"]["fields"]
            spec = {name: {} for name in fields_}
            domain = [("move_type", "=", "out_invoice")]
            context = {"default_move_type": "out_invoice"}
            for rows in (10, 80, 500):
                env.invalidate_all()
                before = cr.sql_log_count
                env["account.move"].with_context(**context).web_search_read(domain, spec, limit=rows)
                counts[rows] = cr.sql_log_count - before
            cr.rollback()
        flat = len(set(counts.values())) == 1 and "service_order_state" in fields_
        self.row(
            "Invoices list SQL queries, 10/80/500 rows", "/".join(map(str, counts.values())), "flat", flat
        )

    # -- 3. push -------------------------------------------------------------------------------
    def push_vhsys(self, count: int = 60) -> None:
        """Invoices per second of one job run vs. what calls × latency allow."""
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            moves = self.invoices(env, count, kinds=("service", "goods", "mixed"))
            moves.action_post()
            cr.commit()
            rate, calls = self._timed_push(env, moves)
            opened = all(m.service_order_state == "open" for m in moves)
            by_type = Counter(d.doc_type for d in moves.erp_document_ids)
        bound = count / (calls * self.latency)
        self.details["vhsys_push"] = {"invoices": count, "documents": dict(by_type), "calls": calls}
        self.row(
            f"VHSYS push at {self.latency * 1000:.0f} ms/call, inv/s vs calls×latency",
            f"{rate:.2f} / {bound:.2f} = {rate / bound:.2f}",
            "≥ 0.80",
            rate / bound >= 0.80 and opened,
        )
        self.row(
            "VHSYS calls per invoice (⅓ services, ⅓ goods, ⅓ mixed)", f"{calls / count:.2f}", "-", opened
        )

    def push_bling(self, count: int = 12) -> None:
        """The same through Bling, where the account's 3 requests/s bound the rate."""
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            self._only(env, "bling")
            moves = self.invoices(env, count, kinds=KINDS)
            moves.action_post()
            cr.commit()
            before = self.bling_calls()
            start = time.perf_counter()
            env["tecpet.erp.document"]._push_batch(batch_size=500, time_budget=3600, with_commit=True)
            elapsed = time.perf_counter() - start
            calls = self.bling_calls() - before
            opened = all(m.service_order_state == "open" for m in moves)
            rejected = self.sandbox.bling.snapshot()["rate_limit"]["rejected"]
            self._only(env, "vhsys")
            cr.commit()
        rate = count / elapsed
        bound = min(count / (calls * self.latency), BLING_RATE * count / calls)
        self.row(
            "Bling push, inv/s vs the 3 requests/s limit",
            f"{rate:.2f} / {bound:.2f} = {rate / bound:.2f}",
            "≥ 0.80",
            rate / bound >= 0.80 and opened,
        )
        self.row(
            "Bling calls per invoice (429 answers received)", f"{calls / count:.2f} ({rejected})", "-", opened
        )

    def bling_calls(self) -> int:
        """Bling API requests so far (the token endpoint is not the API: not rate limited)."""
        return sum(1 for r in self.sandbox.requests_log("bling") if not r["path"].startswith("/oauth/"))

    def _only(self, env, provider: str):
        """Make ``provider``'s integration (created on first use for Bling) the only active one."""
        Integration = env["tecpet.erp.integration"]
        if provider == "bling" and not self.bling_id:
            bling_catalogue(self.sandbox)
            tokens = self.sandbox.bling.control("issue_tokens", {})
            self.bling_id = Integration.create(
                {
                    "name": "bench-bling",
                    "provider": "bling",
                    "company_id": env.ref("base.main_company").id,
                    "api_url": self.sandbox.bling_url,
                    "bling_client_id": DEFAULT_CLIENT_ID,
                    "bling_client_secret": DEFAULT_CLIENT_SECRET,
                    "bling_access_token": tokens["access_token"],
                    "bling_refresh_token": tokens["refresh_token"],
                    "bling_token_expires_at": odoo.fields.Datetime.now() + dt.timedelta(hours=6),
                    "active": False,
                }
            ).id
        wanted = self.bling_id if provider == "bling" else self.integration_id
        both = Integration.with_context(active_test=False).browse([self.integration_id, self.bling_id])
        both.filtered(lambda i: i.id and i.id != wanted).active = False  # one active per company
        Integration.browse(wanted).active = True
        return Integration.browse(wanted)

    def _provider_calls(self, provider: str) -> int:
        return self.bling_calls() if provider == "bling" else self.vhsys_calls()

    # -- 3b. calls per invoice -----------------------------------------------------------------
    def calls_per_invoice(self, per_kind: int = 4) -> None:
        """Calls per invoice by ERP and kind: customers new to the ERP, then the same ones again."""
        figures: dict[str, dict] = {}
        for provider in ("vhsys", "bling"):
            with self.registry.cursor() as cr:
                env = odoo_env(cr)
                self._only(env, provider)
                cr.commit()
                for kind in KINDS:
                    partners = customers(env, per_kind, seed=self.seed)
                    self.seed += per_kind
                    products = env["product.product"].browse(self.line_sets[kind])
                    for visit in ("first", "returning"):
                        moves = env["account.move"]
                        for partner in partners:  # one invoice per customer
                            moves |= new_invoices(env, partner, [products], 1, self.rng)
                        moves.action_post()
                        cr.commit()
                        before = self._provider_calls(provider)
                        log_start = len(self.sandbox.requests_log(provider))
                        env["tecpet.erp.document"]._push_batch(
                            batch_size=1000, time_budget=3600, with_commit=True
                        )
                        calls = self._provider_calls(provider) - before
                        log = self.sandbox.requests_log(provider)[log_start:]
                        routes = Counter(route(r) for r in log if not r["path"].startswith("/oauth/"))
                        documents = len(moves.erp_document_ids)
                        opened = all(m.service_order_state == "open" for m in moves)
                        figures.setdefault(provider, {})[f"{kind}/{visit}"] = {
                            "calls": calls,
                            "invoices": len(moves),
                            "documents": documents,
                            "open": opened,
                            "routes": dict(routes.most_common()),
                        }
                self._only(env, "vhsys")
                cr.commit()
        self.details["calls_per_invoice"] = figures
        # PRODUCT.md §3 (round 3): the API floor per document for a returning customer and known
        # products: Bling services 2 (create with parcelas, lancar-contas), goods 3 (+ lancar-estoque);
        # VHSYS OS 3 (header, /servicos, /parcelas), PV 3 + one stock exit per product.
        goods = self.goods_lines
        floors = {
            "bling": {kind: 2 * (kind != "goods") + 3 * (kind != "service") for kind in KINDS},
            "vhsys": {
                kind: 3 * (kind != "goods") + (3 + goods[kind]) * (kind != "service") for kind in KINDS
            },
        }
        self.details["calls_per_invoice_floor"] = floors
        for provider in ("bling", "vhsys"):
            rows = figures[provider]
            ok = all(f["open"] for f in rows.values())

            def per(kind, visit, unit="invoices", rows=rows):
                return rows[f"{kind}/{visit}"]["calls"] / rows[f"{kind}/{visit}"][unit]

            returning = sum(per(kind, "returning") for kind in KINDS) / len(KINDS)
            first = sum(per(kind, "first") for kind in KINDS) / len(KINDS)
            by_kind = " / ".join(f"{per(kind, 'returning'):.2f}" for kind in KINDS)
            floor = floors[provider]
            docs = sum(rows[f"{kind}/returning"]["documents"] for kind in KINDS)
            per_doc = sum(rows[f"{kind}/returning"]["calls"] for kind in KINDS) / docs
            name = "Bling" if provider == "bling" else "VHSYS"
            self.row(
                f"{name} calls per invoice, returning customer: services / goods / mixed (2 documents)",
                by_kind,
                "≤ " + " / ".join(str(floor[kind]) for kind in KINDS) + " (API floor)",
                ok and all(per(kind, "returning") <= floor[kind] for kind in KINDS),
            )
            self.row("  same, ⅓ of each kind; per ERP document", f"{returning:.2f}; {per_doc:.2f}", "-", ok)
            self.row("  same, customers new to the ERP (⅓ of each kind)", f"{first:.2f}", "reported", ok)

    # -- 3c. parallel push -----------------------------------------------------------------------
    def _run_workers(self, workers: int) -> dict:
        """``workers`` push worker processes (bench/push_worker.py) started together once loaded;
        wall time from the start to the last one's end, documents done, peak RSS of each."""
        logs = dbtools.CACHE / "logs"
        command = [sys.executable, str(ROOT / "bench" / "push_worker.py"), DB]
        processes = []
        for n in range(workers):
            with open(logs / f"bench-worker-{n}.log", "w") as log:
                processes.append(
                    subprocess.Popen(
                        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
                    )
                )
        for process in processes:
            line = process.stdout.readline()
            if line.strip() != "READY":
                raise RuntimeError(f"a push worker did not start (bench-worker-*.log): {line!r}")
        start = time.time()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, _ = process.communicate(timeout=7200)
            line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), "")
            if not line:
                raise RuntimeError(f"a push worker printed no result: {out[-2000:]}")
            results.append(json.loads(line.removeprefix("RESULT ")))
        return {
            "start": start,
            "wall": max(r["end"] for r in results) - start,
            "done": [r["done"] for r in results],
            "consistency_wait": [r["wait"] for r in results],
            "rss_peak_kib": [r["rss_peak"] for r in results],
            "rss_growth_kib": [r["rss_peak"] - r["rss_before"] for r in results],
        }

    def _parallel_run(self, provider: str, workers: int, count: int) -> dict:
        """Post ``count`` invoices (⅓ of each kind, returning customers), push them with
        ``workers`` processes; the run's figures, the ERP's documents checked for duplicates."""
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            self._only(env, provider)
            moves = env["account.move"]
            for size in [500] * (count // 500) + [count % 500]:
                if size:
                    moves |= self.invoices(env, size, kinds=KINDS)
            moves.action_post()
            cr.commit()
            markers = set(moves.erp_document_ids.mapped("marker"))
            documents = len(markers)
        log_start = len(self.sandbox.requests_log(provider))
        run = self._run_workers(workers)
        log = self.sandbox.requests_log(provider)[log_start:]
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            moves = moves.with_env(env)
            opened = sum(1 for m in moves if m.service_order_state == "open")
            self._only(env, "vhsys")
            cr.commit()
        remote = [
            d["marker"]
            for d in getattr(self.sandbox, provider).snapshot()["documents"]
            if d["marker"] in markers
        ]
        api = [r for r in log if not r["path"].startswith("/oauth/")]
        run["refused"] = [f"{r['method']} {r['path']} {r['status']}" for r in api if r["status"] >= 400][:20]
        run["sandbox"] = {"latency": self.sandbox.latency, "lag": self.sandbox.vhsys.consistency_lag}
        run.update(
            invoices=count,
            documents=documents,
            calls=len(api),
            open=opened,
            duplicates=len(remote) - len(set(remote)),
            missing=documents - len(set(remote)),
            rejected=sum(1 for r in api if r["status"] == 429),
            peak_per_second=max_in_window([r["arrived"] for r in api if r["status"] != 429]),
            routes=dict(Counter(route(r) for r in api).most_common()),
            timeline=timeline(api, float(run["consistency_wait"][0] or 0)),
        )
        # The rate in steady state: from the first request reaching the ERP to its last answer.
        # Before it, each worker process warms up once (its first queries, its first document);
        # a cron worker that has run once does not pay that again per document.
        first, last = min(r["arrived"] for r in api), max(r["t"] for r in api)
        run["start_up"] = first - run["start"]
        run["wall_rate"] = count / run["wall"]
        run["rate"] = count / (last - first)
        return run

    def _real_account(self, env_wait: float, lag: float) -> None:
        """The sandbox answering as a real account: 150 ms per call, new VHSYS documents visible
        after ``lag``; the client waiting ``env_wait`` after each header."""
        self._set_wait(env_wait)
        self.sandbox.control("latency", {"ms": REAL_LATENCY * 1000, "consistency_ms": lag * 1000})

    def _test_account(self) -> None:
        self._set_wait(0)
        self.sandbox.control("latency", {"ms": 0})

    def _set_wait(self, seconds: float) -> None:
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            env["ir.config_parameter"].set_param("tecpet_erp_sync.consistency_wait", str(seconds))
            env.flush_all()  # a cursor's commit alone leaves a lone set_param unwritten

    def parallel_vhsys(self, sizes=((1, 24), (4, 96))) -> None:
        """VHSYS at 150 ms per call with the 650 ms wait: 1 and 4 worker processes."""
        sizes = json.loads(os.environ.get("BENCH_VHSYS_SIZES", "null")) or sizes
        self._real_account(CONSISTENCY_WAIT, CONSISTENCY_WAIT)
        runs = {}
        try:
            for workers, count in sizes:
                run = self._parallel_run("vhsys", workers, count)
                # What the calls and the waits alone allow, per worker: no time of our own.
                seconds = (run["calls"] * REAL_LATENCY + run["documents"] * CONSISTENCY_WAIT) / count
                run["bound"] = workers / seconds
                runs[workers] = run
        finally:
            self._test_account()
        self.details["parallel_vhsys"] = runs
        one, four = runs[1], runs[4]
        ok = all(
            r["open"] == r["invoices"] and not r["duplicates"] and not r["missing"] for r in runs.values()
        )
        self.row(
            "VHSYS 150 ms/call + 650 ms wait, inv/s with 4 workers / 1 worker",
            f"{four['rate']:.2f} / {one['rate']:.2f} = {four['rate'] / one['rate']:.2f}",
            "≥ 3.3",
            ok and four["rate"] / one["rate"] >= 3.3,
        )
        for workers, run in runs.items():
            self.row(
                f"  {workers} worker(s): inv/s vs workers / (calls × latency + waits)",
                f"{run['rate']:.2f} / {run['bound']:.2f} = {run['rate'] / run['bound']:.2f}",
                "≥ 0.85",
                ok and run["rate"] / run["bound"] >= 0.85,
            )
            self.row(
                "    our own time per document; start-up before the first call",
                f"{run['timeline']['ours_ms_per_document']:.0f} ms; {run['start_up']:.1f} s",
                "-",
                ok,
            )

    def parallel_bling(self, sizes=((1, 15), (2, 15), (4, 15))) -> None:
        """Bling at 150 ms per call: 1, 2 and 4 worker processes sharing the account's 3 requests/s."""
        self._real_account(0, 0)
        # The sandbox takes every request, so what the addon sends is what is counted.
        self.sandbox.bling.control("rate_limit", {"enabled": 0})
        runs = {}
        try:
            for workers, count in sizes:
                run = self._parallel_run("bling", workers, count)
                run["bound"] = BLING_RATE / (run["calls"] / count)
                runs[workers] = run
        finally:
            self.sandbox.bling.control("rate_limit", {"enabled": 1})
            self._test_account()
        self.details["parallel_bling"] = runs
        for workers, run in runs.items():
            ok = run["open"] == run["invoices"] and not run["duplicates"] and not run["missing"]
            per = run["calls"] / run["invoices"]
            self.row(
                f"Bling, {workers} worker(s): inv/s vs 3 req/s ÷ {per:.2f} calls",
                f"{run['rate']:.2f} / {run['bound']:.2f} = {run['rate'] / run['bound']:.2f}",
                "≥ 0.90",
                ok and run["rate"] / run["bound"] >= 0.90,
            )
            self.row(
                "  most requests in any 1 s window",
                str(run["peak_per_second"]),
                "≤ 3",
                0 < run["peak_per_second"] <= 3,
            )

    def backlog(self, workers: int = 4) -> None:
        """A backlog of invoices pushed by 4 worker processes to VHSYS at 150 ms per call + the wait."""
        self._real_account(CONSISTENCY_WAIT, CONSISTENCY_WAIT)
        try:
            run = self._parallel_run("vhsys", workers, self.backlog_invoices)
        finally:
            self._test_account()
        self.details["backlog"] = run
        ok = run["open"] == run["invoices"] and not run["missing"]
        self.row(
            f"backlog of {run['invoices']:,} invoices, {workers} workers: wall time (inv/s)",
            f"{run['wall']:.0f} s ({run['wall_rate']:.2f})",
            "all Open",
            ok,
        )
        self.row(
            "  peak RSS per worker (growth during the run)",
            " ".join(f"{p / 1024:.0f}" for p in run["rss_peak_kib"])
            + " MB ("
            + " ".join(f"+{g / 1024:.0f}" for g in run["rss_growth_kib"])
            + ")",
            "< +50 MB each",
            all(g < 50 * 1024 for g in run["rss_growth_kib"]),
        )
        self.row("  ERP documents sent twice", str(run["duplicates"]), "0", run["duplicates"] == 0 and ok)

    def _timed_push(self, env, moves) -> tuple[float, int]:
        self.sandbox.latency = self.latency
        before = self.vhsys_calls()
        start = time.perf_counter()
        env["tecpet.erp.document"]._push_batch(batch_size=1000, time_budget=3600, with_commit=True)
        elapsed = time.perf_counter() - start
        self.sandbox.latency = 0
        return len(moves) / elapsed, self.vhsys_calls() - before

    def connection_reuse(self, count: int = 20) -> None:
        """The VHSYS client pushing the same orders on one kept-alive connection vs. a new one per call."""
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            moves = self.invoices(env, count, kinds=("service",))
            moves.action_post()
            orders = [m._erp_order_request(d) for m in moves for d in m.erp_document_ids]
            cr.rollback()
        results = {}
        self.sandbox.latency = self.latency
        self.sandbox.connect_latency = self.latency  # TCP + TLS 1.3: about one more round trip
        for mode in ("keep-alive", "close"):
            client = VhsysClient(
                self.sandbox.vhsys_url, "bench", "bench", options=VhsysOptions(consistency_wait=0)
            )
            if mode == "close":
                client.http.session.headers["Connection"] = "close"
            connections = self.sandbox.connections
            start = time.perf_counter()
            for order in orders:
                client.push(dataclasses.replace(order, marker=f"{order.marker}:{mode}"))
            elapsed = time.perf_counter() - start
            opened = self.sandbox.connections - connections
            results[mode] = (elapsed, opened, client.calls)
            client.close()
        self.sandbox.latency = self.sandbox.connect_latency = 0
        (kept, kept_conn, _), (closed, closed_conn, closed_calls) = results["keep-alive"], results["close"]
        self.row(
            "TCP connections per invoice, kept alive vs. one per call",
            f"{kept_conn / count:.2f} vs {closed_conn / count:.2f}",
            "-",
            kept_conn == 1 and closed_conn == closed_calls,
        )
        self.row(
            f"push time, a new connection per call / kept alive ({self.latency * 1000:.0f} ms to connect)",
            f"{closed / kept:.2f}",
            "> 1 (reuse pays)",
            closed > kept,
        )

    # -- 4. refresh ----------------------------------------------------------------------------
    def refresh_cost(self, synced: int = 10_000, changes=(0, 10, 1000)) -> None:
        """One refresh run with ``synced`` open service orders of which k changed in the ERP."""
        vhsys = self.sandbox.vhsys
        order_ids = self._vhsys_pool(synced, paid=False)
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            integration = self._readback_integration(env, "bench-refresh")
            # Read a moment ago: the sweep has nothing due, the lists alone are measured.
            self._seed_documents(cr, integration, order_ids, "open", "BENCH-REFRESH-", [0.0] * len(order_ids))
            figures = {}
            for k in (0, *changes):  # the first run warms the caches and is not reported
                # An hour later in the ERP; the cursor is that moment, so only the k payments are new.
                cursor = vhsys.control("clock", {"advance_seconds": 3600})["now"]
                integration.refresh_cursor = dt.datetime.fromisoformat(cursor).replace(tzinfo=BRT).isoformat()
                for order_id in self.rng.sample(order_ids, k):
                    vhsys.control("pay", {"doc_type": "service_order", "id": order_id})
                    self.vhsys_paid.add(order_id)
                    order_ids.remove(order_id)
                env.flush_all()
                before = self.vhsys_calls()
                start = time.perf_counter()
                changed = env["tecpet.erp.document"]._refresh_integration(integration)
                env.flush_all()
                figures[k] = (time.perf_counter() - start, self.vhsys_calls() - before, changed)
            cr.rollback()
        self.details["refresh"] = {
            str(k): dict(zip(("seconds", "calls", "changed"), v, strict=False)) for k, v in figures.items()
        }
        calls = [figures[k][1] for k in changes]
        seconds = [figures[k][0] for k in changes]
        read_back = all(figures[k][2] == k for k in changes)
        full_read = 2 * -(-synced // 250)  # pages of 250 rows, live and trashed lists
        self.row(
            f"refresh of {synced:,} synced, k = {'/'.join(map(str, changes))} changed: calls",
            "/".join(map(str, calls)),
            f"k=0: < {full_read} (full read)",
            calls[0] < full_read and calls == sorted(calls) and read_back,
        )
        self.row(
            "  same: seconds",
            "/".join(f"{s:.2f}" for s in seconds),
            "grows with k",
            seconds[0] < seconds[-1] and read_back,
        )

    def readback_day(self, sizes=(1_000, 10_000), runs: int = 144) -> None:
        """A day of read-back (144 runs, 10 minutes apart) over N live documents, nothing changed."""
        sizes = json.loads(os.environ.get("BENCH_DAY_SIZES", "null")) or sizes
        figures = {}
        for scenario in ("quiet", "watched"):
            for size in sizes:
                figures[f"{scenario}/{size}"] = self._readback_day(scenario, size, runs)
        self.details["readback_day"] = figures
        budget = 10_000  # sweep_daily_calls, the default
        quota = 120_000 // 10  # far below Bling's daily quota: a tenth of it
        counts = " / ".join(f"{n:,}" for n in sizes)
        for scenario, label in (
            ("quiet", "open or issued (re-read weekly)"),
            ("watched", "paid service orders awaiting their NFS-e (every 6 h)"),
        ):
            day = [figures[f"{scenario}/{size}"] for size in sizes]
            unchanged = all(f["changed"] == 0 for f in day)
            self.row(
                f"read-back calls per day, nothing changed, {counts} live, {label}",
                " / ".join(f"{f['calls']:,}" for f in day),
                f"≤ {quota:,} (1/10 of Bling's quota)",
                unchanged and all(f["calls"] <= quota for f in day),
            )
            self.row(
                "  of which the sweep: calls (documents read, calls per read)",
                " / ".join(
                    f"{f['sweep_calls']:,} ({f['reads']:,}, {f['sweep_calls'] / max(1, f['reads']):.1f})"
                    for f in day
                ),
                f"≤ {budget:,} a day (sweep_daily_calls)",
                unchanged and all(f["sweep_calls"] <= budget + 2 * 20 for f in day),
            )

    def _readback_day(self, scenario: str, size: int, runs: int) -> dict:
        """``runs`` read-back runs over ``size`` documents whose ERP orders do not change: each run
        is 10 minutes later, in the ERP (its clock) and in Odoo (every last read moved back)."""
        vhsys = self.sandbox.vhsys
        watched = scenario == "watched"
        order_ids = self._vhsys_pool(size, paid=watched)
        vhsys.control("clock", {"advance_seconds": 3600})  # what the seeding changed is an hour old
        cycle = 6.0 if watched else 6.0 * 28  # hours between two reads of one document (the sweep's ages)
        marker = f"BENCH-DAY-{scenario}-{size}-"
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            integration = self._readback_integration(env, f"bench-day-{scenario}-{size}")
            # Steady state: the last reads spread evenly over one cycle.
            ages = [cycle * (n + 0.5) / size for n in range(size)]
            state = "fulfilled" if watched else "open"
            self._seed_documents(cr, integration, order_ids, state, marker, ages)
            cr.commit()
            log_start = len(self.sandbox.requests_log("vhsys"))
            start = time.perf_counter()
            for _run in range(runs):
                now = vhsys.control("clock", {"advance_seconds": 600})["now"]
                integration.refresh_cursor = dt.datetime.fromisoformat(now).replace(tzinfo=BRT).isoformat()
                cr.execute(
                    "UPDATE tecpet_erp_document SET last_sync_at = last_sync_at - interval '10 minutes' "
                    "WHERE integration_id = %s",
                    [integration.id],
                )
                env.invalidate_all()
                env["tecpet.erp.document"]._refresh_integration(integration, with_commit=True)
                cr.commit()
            seconds = time.perf_counter() - start
            log = self.sandbox.requests_log("vhsys")[log_start:]
            env.invalidate_all()
            docs = env["tecpet.erp.document"].search(
                [("integration_id", "=", integration.id), ("marker", "=like", f"{marker}%")]
            )
            result = {
                "documents": size,
                "runs": runs,
                "seconds": round(seconds, 1),
                "calls": len(log),
                "sweep_calls": integration.sweep_calls_today,
                "reads": sum(1 for r in log if route(r) == "GET /ordens-servico/{id}"),
                "changed": sum(1 for d in docs if d.state != state),
                "routes": dict(Counter(route(r) for r in log).most_common()),
            }
            cr.execute("DELETE FROM account_move WHERE id IN %s", [tuple(docs.move_id.ids)])
            integration.active = False
            env["tecpet.erp.integration"].browse(self.integration_id).active = True
            cr.commit()
        return result

    def _readback_integration(self, env, name: str):
        """A VHSYS integration of its own, the company's active one: read-back steps read only
        the documents they seed (the push steps' documents stay with the bench's integration)."""
        Integration = env["tecpet.erp.integration"].with_context(active_test=False)
        Integration.search([("id", "!=", 0)]).active = False
        return vhsys_integration(env, self.sandbox, name)

    def _seed_documents(self, cr, integration, order_ids: list[int], state: str, marker: str, ages) -> None:
        """One live service order per ERP order, each on an invoice of its own (one live document
        per invoice and type), read ``ages`` hours ago."""
        moves = self._clone_invoices(cr, len(order_ids), marker)
        cr.execute(
            """
            INSERT INTO tecpet_erp_document (move_id, integration_id, company_id, doc_type, state, active,
                                             external_id, marker, attempts, last_sync_at, paid_at)
            SELECT (%(moves)s)[g], %(integration)s, %(company)s, 'service_order', %(state)s, true,
                   (%(ids)s)[g], %(marker)s || g, 0,
                   now() AT TIME ZONE 'UTC' - make_interval(secs => (%(ages)s)[g] * 3600), NULL
              FROM generate_series(1, cardinality(%(ids)s)) g
            """,
            {
                "moves": moves,
                "integration": integration.id,
                "company": integration.company_id.id,
                "state": state,
                "ids": [str(i) for i in order_ids],
                "marker": marker,
                "ages": [float(a) for a in ages],
            },
        )
        cr.execute("ANALYZE tecpet_erp_document")

    def _clone_invoices(self, cr, count: int, prefix: str) -> list[int]:
        """``count`` copies of a posted invoice's row (no lines: the read-back reads documents),
        inserted in SQL: posting thousands through the ORM would take the bench's hour."""
        env = odoo_env(cr)
        template = env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("state", "=", "posted")], limit=1
        )
        if not template:
            template = self.invoices(env, 1)
            template.action_post()
            env.flush_all()
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'account_move' AND column_name NOT IN ('id', 'name')"
        )
        columns = ", ".join(f'"{row[0]}"' for row in cr.fetchall())
        cr.execute(
            f"INSERT INTO account_move (name, {columns}) "
            f"SELECT %s || g, {columns} FROM account_move, generate_series(1, %s) g "
            "WHERE account_move.id = %s ORDER BY g RETURNING id",
            [prefix, count, template.id],
        )
        return [row[0] for row in cr.fetchall()]

    def _vhsys_pool(self, count: int, *, paid: bool) -> list[int]:
        """``count`` service orders in the VHSYS emulator, paid or not, seeded (and paid) as needed."""
        pool = [o for o in self.vhsys_orders if (o in self.vhsys_paid) == paid]
        if len(pool) < count:
            unpaid = [o for o in self.vhsys_orders if o not in self.vhsys_paid] if paid else []
            pool += unpaid[: count - len(pool)]
            pool += self._seed_vhsys_orders(count - len(pool))
        for order_id in pool[:count] if paid else ():
            if order_id not in self.vhsys_paid:
                self.sandbox.vhsys.control("pay", {"doc_type": "service_order", "id": order_id})
                self.vhsys_paid.add(order_id)
        return pool[:count]

    def _seed_vhsys_orders(self, count: int) -> list[int]:
        """``count`` open service orders with one service each, five per customer, written
        through the emulator's wire."""
        vhsys = self.sandbox.vhsys
        headers = {
            "access-token": "bench",
            "secret-access-token": "bench",
            "content-type": "application/json",
            "user-agent": "tecpet-bench",
        }

        def post(path, body):
            response = vhsys.handle(Request("POST", path, {}, headers, json.dumps(body).encode()))
            assert response.status == 200, response.body
            return response.body["data"]

        ids = []
        for n in range(count):
            if n % 5 == 0:
                customer = post("/clientes", {"razao_cliente": f"Cliente bench {len(self.vhsys_orders)}"})
            head = post(
                "/ordens-servico",
                {
                    "id_cliente": customer["id_cliente"],
                    "nome_cliente": customer["razao_cliente"],
                    "referencia_ordem": f"BENCH-ORDER-{len(self.vhsys_orders)}",
                },
            )
            oid = head["id_ordem"]
            post(
                f"/ordens-servico/{oid}/servicos",
                [{"desc_servico": "Banho", "horas_servico": "1", "valor_unit_servico": "50"}],
            )
            ids.append(oid)
            self.vhsys_orders.append(oid)
        return ids

    # -- 5. job selection ----------------------------------------------------------------------
    def job_selection(self, total: int = 100_000) -> None:
        """Plan and time of the push job's candidate query among ``total`` documents."""
        with self.registry.cursor() as cr:
            env = odoo_env(cr)
            integration = env["tecpet.erp.integration"].browse(self.integration_id)
            # A service order and a sales order per invoice (one live document per invoice and type).
            moves = self._clone_invoices(cr, total // 2, "BENCH/SELECT/")
            cr.execute(
                """
                INSERT INTO tecpet_erp_document (move_id, integration_id, company_id, doc_type, state, active,
                                                 external_id, marker, attempts)
                SELECT (%s)[1 + (g - 1) / 2], %s, %s,
                       CASE WHEN g %% 2 = 0 THEN 'service_order' ELSE 'sales_order' END,
                       'open', true, 'x' || g, 'BENCH-SELECT-' || g, 0
                  FROM generate_series(1, %s) g
                """,
                [moves, integration.id, integration.company_id.id, total],
            )
            # A realistic queue: a few due documents among the settled ones.
            cr.execute(
                "UPDATE tecpet_erp_document SET pending_action = 'push', state = 'processing' "
                "WHERE marker LIKE 'BENCH-SELECT-%' AND id % 1000 = 0"
            )
            cr.execute("ANALYZE tecpet_erp_document")
            documents = env["tecpet.erp.document"]
            query = documents._search(documents._push_domain(), order="next_attempt_at, id", limit=51)
            cr.execute(odoo.tools.SQL("EXPLAIN (ANALYZE, FORMAT TEXT) %s", query.select()))
            plan = "\n".join(row[0] for row in cr.fetchall())
            start = time.perf_counter()
            found = documents.search(documents._push_domain(), order="next_attempt_at, id", limit=51)
            elapsed = time.perf_counter() - start
            cr.rollback()
        self.details["job_selection_plan"] = plan
        self.row(
            f"next push batch among {total:,} documents",
            f"{elapsed * 1000:.1f} ms, {len(found)} found",
            "index, no seq scan",
            "Seq Scan on tecpet_erp_document" not in plan and len(found) == 51,
        )

    # -- 6. memory -----------------------------------------------------------------------------
    def push_memory(self) -> None:
        """Peak memory (RSS) of a job process pushing 200, then ``memory_invoices`` invoices."""
        growth = {}
        for count in (200, self.memory_invoices):
            with self.registry.cursor() as cr:
                env = odoo_env(cr)
                env["tecpet.erp.document"].search([("pending_action", "!=", False)]).pending_action = False
                for size in [500] * (count // 500) + [count % 500]:
                    self.invoices(env, size).action_post()
                    cr.commit()
            before, peak, done = self._job_process_memory(count)
            growth[count] = peak - before
            self.details[f"push_memory_{count}_kib"] = {"before": before, "peak": peak, "pushed": done}
            assert done == count, f"the job process pushed {done} of {count} documents"
        small, large = growth[200], growth[self.memory_invoices]
        self.row(
            f"job process RSS growth pushing 200 / {self.memory_invoices:,} invoices",
            f"{small / 1024:.1f} / {large / 1024:.1f} MB",
            "< +20 MB for 10× more",
            large - small < 20 * 1024,
        )

    @staticmethod
    def _job_process_memory(count: int) -> tuple[int, int, int]:
        """(RSS before, peak RSS during, documents pushed) of one job run in its own process, in KiB."""
        # Writing 5 to clear_refs resets the peak (VmHWM): the registry load before the run is
        # not counted. The blank line ends the function in the interactive shell.
        script = (
            "import re\n"
            "def status(key):\n"
            "    return int(re.search(key + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
            "\n"
            "before = status('VmRSS')\n"
            "_ = open('/proc/self/clear_refs', 'w').write('5')\n"
            f"done, left = env['tecpet.erp.document']._push_batch(batch_size={count}, time_budget=3600, "
            "with_commit=True)\n"
            "print('BENCH-RSS', before, status('VmHWM'), done)\n"
        )
        out = subprocess.run(
            ["bash", str(ROOT / "tools" / "odoo.sh"), "shell", "-d", DB, "--no-http", "--log-level=critical"],
            input=script,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        ).stdout
        line = next((ln for ln in out.splitlines() if "BENCH-RSS" in ln), "")
        if not line:
            raise RuntimeError(f"the job process printed no measurement:\n{out[-2000:]}")
        before, peak, done = (int(x) for x in line.split("BENCH-RSS")[1].split())
        return before, peak, done

    # -- report --------------------------------------------------------------------------------
    def report(self, partial: bool = False) -> int:
        width = max(len(r["measurement"]) for r in self.rows)
        print(f"\n{'measurement':{width}}  {'value':>26}  {'bar':>18}  ok")
        for r in self.rows:
            print(
                f"{r['measurement']:{width}}  {r['value']:>26}  {r['bar']:>18}  {'yes' if r['ok'] else 'NO'}"
            )
        print("\npush job candidate query plan:\n" + str(self.details.get("job_selection_plan", "")))
        result = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": {
                "host": socket.gethostname(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "latency_ms": self.latency * 1000,
            "rows": self.rows,
            "details": self.details,
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        if partial:  # some steps only (--only): not a run to keep
            (RESULTS / "partial.json").write_text(text)
        else:
            (RESULTS / f"{dt.date.today()}-{socket.gethostname()}.json").write_text(text)
            (RESULTS / "latest.json").write_text(text)
        missed = [r["measurement"] for r in self.rows if not r["ok"]]
        print(f"\n{len(self.rows) - len(missed)} bars met, {len(missed)} missed")
        return 1 if missed else 0


_ID_RE = re.compile(r"/\d+(?=/|$)")
# The first write of a new ERP document (after a VHSYS header, the client waits for VHSYS).
VHSYS_HEADERS = {"POST /ordens-servico", "POST /pedidos"}
HEADERS = VHSYS_HEADERS | {"POST /pedidos/vendas"}


def route(request: dict) -> str:
    """``METHOD /path`` with ids as ``{id}``: which call a request was."""
    return f"{request['method']} {_ID_RE.sub('/{id}', request['path'])}"


def timeline(api: list[dict], wait: float) -> dict:
    """Where the time of each client connection (one per worker) goes, seen from the ERP: the
    ERP answering (latency included), the client's wait after a VHSYS header, and the rest, ours:
    the gaps between an answer and the next request, before a document's first write (claim,
    commit, reading the invoice, building the order) and between the calls of one document
    (and, for Bling, the rate limiter's pauses). Seconds, summed over connections."""
    by_peer: dict[object, list[dict]] = {}
    for request in api:
        by_peer.setdefault(request.get("peer"), []).append(request)
    spent = dict.fromkeys(("span", "answering", "waits", "before_documents", "between_calls"), 0.0)
    documents = waits = 0
    for requests_ in by_peer.values():
        requests_.sort(key=lambda r: r["arrived"])
        spent["span"] += requests_[-1]["t"] - requests_[0]["arrived"]
        for previous, request in zip([None, *requests_], requests_, strict=False):
            spent["answering"] += request["t"] - request["arrived"]
            documents += route(request) in HEADERS
            if previous is None:
                continue
            gap = max(0.0, request["arrived"] - previous["t"])
            if route(previous) in VHSYS_HEADERS:
                spent["waits"] += min(gap, wait)
                spent["between_calls"] += max(0.0, gap - wait)  # beyond the wait: ours
                waits += 1
            elif route(request) in HEADERS:
                spent["before_documents"] += gap
            else:
                spent["between_calls"] += gap
    ours = spent["before_documents"] + spent["between_calls"]
    return {
        "connections": len(by_peer),
        "seconds": {k: round(v, 2) for k, v in spent.items()},
        "documents": documents,
        "ours_ms_per_document": round(1000 * ours / max(1, documents), 1),
        "ours_share": round(ours / spent["span"], 3) if spent["span"] else 0.0,
    }


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` inside any ``window`` seconds."""
    times = sorted(times)
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


class HttpCounter:
    """Counts requests leaving the process through ``requests``, to prove posting sends none."""

    def __init__(self):
        self.count = 0
        self._original = requests.adapters.HTTPAdapter.send

    def __enter__(self):
        def send(adapter, request, **kwargs):
            self.count += 1
            return self._original(adapter, request, **kwargs)

        requests.adapters.HTTPAdapter.send = send
        return self

    def __exit__(self, *exc):
        requests.adapters.HTTPAdapter.send = self._original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=50.0, help="ERP latency per call (default 50)")
    parser.add_argument("--memory-invoices", type=int, default=2000)
    parser.add_argument(
        "--backlog",
        type=int,
        default=2000,
        help="invoices of the 4-worker backlog (default 2000, about 18 min)",
    )
    parser.add_argument("--only", default="", help="comma-separated step names (default: every step)")
    args = parser.parse_args()
    bench = Bench(args.latency_ms / 1000.0, args.memory_invoices, args.backlog)
    steps = [
        bench.posting_overhead,
        bench.list_queries,
        bench.push_vhsys,
        bench.connection_reuse,
        bench.push_bling,
        bench.calls_per_invoice,
        bench.parallel_vhsys,
        bench.parallel_bling,
        bench.backlog,
        bench.refresh_cost,
        bench.readback_day,
        bench.job_selection,
        bench.push_memory,
    ]
    only = set(filter(None, args.only.split(",")))
    for step in steps:
        if only and step.__name__ not in only:
            continue
        started = time.perf_counter()
        print(f"[bench] {step.__doc__.splitlines()[0]}", flush=True)
        step()
        print(f"[bench]   {time.perf_counter() - started:.1f} s", flush=True)
    bench.sandbox.stop()
    return bench.report(partial=bool(only))


if __name__ == "__main__":
    sys.exit(main())
