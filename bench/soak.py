"""Fault soak: a hypothesis state machine (``SoakMachine``) drives the life of invoices under
random faults: push workers killed mid-batch and run several at a time, ERP users acting on the
documents, Odoo users resetting, re-posting, deleting and reversing invoices, reprocessing and
read-backs. After every step its invariants hold for every settled document; at the end of each
example every invoice is settled, the ERP holds exactly one document per marker, and Odoo's state
is the one the ERP implies.

    tools/run.sh python bench/soak.py [--short] [--invoices N] [--rounds STEPS] [--examples E]
                                      [--workers W] [--seed S]   (seed also: SOAK_SEED)

Real Odoo (a fresh database), real PostgreSQL, the jobs run as `odoo-bin shell` processes over
loopback HTTP to the ERP sandbox running in this process. Each process refreshes, runs the push
cron's entry point as worker 1..W (system parameter ``tecpet_erp_sync.push_workers`` = W) and
refreshes again. A killed worker's lease would expire after ``erp/claim.py`` LEASE in production;
between steps the soak expires it at once (``expire_leases``).

While the workers run, Odoo users act on the invoices whose documents a worker holds at that
moment (PRODUCT 2.12, issue 20.1): Reprocess, reset to draft, re-post, full credit note, delete.
The short soak runs every one of these classes in every job round (a fixed schedule); the long
one draws them at random.

ERP users pay receivables (partly or fully), mark paid documents done, issue and cancel notes,
cancel and delete documents, some of them on documents whose creation Odoo has not recorded yet.
Odoo users reset invoices to draft, post some of them again at once (before the cancellation ran)
or later, try to delete them, and reverse some with a full credit note (docs/lifecycle.md). One
round revokes the credentials mid-run; the soak then checks that the jobs stopped calling and
presses Test connection, as an administrator would.

Invariants after each step, over documents with nothing pending: no marker with two live ERP
documents, no live ERP document unknown to Odoo or behind a cancelled document, every live one
complete, pointed at by Odoo and equal to its invoice to the cent (total and installments), its
state the ERP's unless an ERP user changed it since the last read-back, and the invoice's column
its documents' state. For every invoice: never two live ERP documents of one type, none once a
reset or credited invoice is settled, and no document processing with nothing pending. A broken
one fails at once, with the steps that led to it (hypothesis prints them) and the seed. Ends with
"N passed, M failed" over the final checks; exits non-zero on any violation.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg2
from common import ROOT, catalogue, customers, new_database, new_invoices, odoo_env, vhsys_integration
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tecpet_erp_sandbox.server import SandboxServer

from odoo.exceptions import UserError

from odoo.addons.tecpet_erp_sync.erp.states import aggregate_invoice_state

DB = os.environ.get("TECPET_BENCH_DB", "tecpet_soak")  # another name: two checkouts at once
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
# What the refresh reads (erp/vhsys/refresh.py): changed-document lists, NF-e and receivables
# lists, and the header of a document whose receivable changed.
READ_PATHS = [
    r"^/ordens-servico$",
    r"^/pedidos$",
    r"^/notas-fiscais$",
    r"^/contas-receber$",
    r"^/ordens-servico/\d+$",
    r"^/pedidos/\d+$",
]
READ_FAULTS = ["rate_limit", "server_error", "html_error", "outage", "timeout_before_write"]
# Production re-reads 10 minutes before the cursor; the whole short soak fits in that, which would
# hide a cursor moved past a change. One second (the ERP's stamps are to the second) makes the
# cursor matter; a wider margin only re-reads more, so this is the stricter test.
REFRESH_MARGIN = 1.0
REFRESHED_STATES = ("open", "fulfilled", "awaiting_issue")  # what the refresh job reads back
LIVE_STATES = (*REFRESHED_STATES, "issued")  # Odoo states of a document live in the ERP
EVENT_PROBABILITY = 0.15  # per live ERP document and round: an ERP user acts on it
# What Odoo users do while the push workers are mid-call (issue 20.7), in the short soak's order.
MID_CALL = ("reset", "credit note", "delete", "reprocess", "re-post")
JOB_LATENCY = 0.02  # seconds per sandbox request during job rounds: pushes stay in flight a while
WORKER_START = 2.6  # seconds before an `odoo-bin shell` job process starts claiming
EARLY_PAY_PROBABILITY = 0.5  # a complete document Odoo has not recorded yet gets paid
WORKER = """
Document = env["tecpet.erp.document"]


def refresh():  # the cron's entry point; what it did is told by the integration afterwards
    integration = env["tecpet.erp.integration"].search([("provider", "=", "vhsys")])
    cursor, flagged = integration.refresh_cursor, integration.auth_failed
    due = Document.search_count(
        [
            ("integration_id", "=", integration.id),
            ("external_id", "!=", False),
            ("state", "in", ("open", "fulfilled", "awaiting_issue")),
            ("pending_action", "=", False),
        ]
    )
    env.cr.commit()
    try:
        Document._cron_refresh_status()
    except Exception as exc:  # the cron lets nothing but bugs escape
        env.cr.rollback()
        print("SOAK refresh crashed", type(exc).__name__, flush=True)
        return
    if flagged:
        outcome = "skipped"
    elif integration.refresh_cursor != cursor:
        outcome = "read"
    elif integration.auth_failed:
        outcome = "auth"
    else:
        outcome = "postponed" if due else "idle"
    print("SOAK refresh", outcome, flush=True)


shrink_refresh_margin()
refresh()
try:  # the push cron's entry point, as worker WORKER_NO of push_workers
    Document._cron_push_documents(batch_size=BATCH_SIZE, time_budget=120, worker=WORKER_NO)
    env.cr.commit()
except Exception as exc:  # the job lets nothing but bugs escape
    print("SOAK push crashed", type(exc).__name__, flush=True)
refresh()
"""


def shrink_refresh_margin() -> None:
    """Make every VHSYS client of this process re-read only REFRESH_MARGIN before the cursor."""
    import dataclasses  # imported here: the function is also the job processes' script

    from odoo.addons.tecpet_erp_sync.models import tecpet_erp_integration

    make_client = tecpet_erp_integration.make_client
    if getattr(make_client, "soak", False):
        return

    def soak_client(settings, **kwargs):
        client = make_client(settings, **kwargs)
        client.options = dataclasses.replace(client.options, refresh_margin=REFRESH_MARGIN)
        return client

    soak_client.soak = True
    tecpet_erp_integration.make_client = soak_client


def job_script(batch_size: int) -> str:
    """What a job process runs (``odoo-bin shell`` reads it on its standard input)."""
    constants = f"REFRESH_MARGIN = {REFRESH_MARGIN!r}\nBATCH_SIZE = {batch_size}\n"
    return constants + inspect.getsource(shrink_refresh_margin) + WORKER


@dataclass
class Tally:
    """What happened during the campaign, for the checks and the summary line."""

    script: str = ""  # the job processes' script
    killed: int = 0
    cancel_requested: int = 0
    cancel_refused: int = 0
    odoo: Counter = field(default_factory=Counter)  # re-posts, deletions (and refusals), reversals
    reversed_moves: set[int] = field(default_factory=set)
    reset_moves: set[int] = field(default_factory=set)  # reset to draft and not posted again
    refreshes: Counter = field(default_factory=Counter)  # outcome -> runs
    crashes: Counter = field(default_factory=Counter)  # "push crashed <exception>" -> job runs
    events: Counter = field(default_factory=Counter)  # ERP-side action -> count
    auth: Counter = field(default_factory=Counter)  # revoked rounds, calls refused, documents requeued
    ledger: dict[str, str] = field(default_factory=dict)  # ERP id -> state it implied after our last event
    erp_canceled: set[str] = field(default_factory=set)  # ERP ids cancelled by an ERP user
    checks: list[tuple[str, bool]] = field(default_factory=list)
    steps: Counter = field(default_factory=Counter)  # state machine steps by kind
    short: bool = False  # the short soak: every mid-call class in every job round, and required
    mid_call: Counter = field(default_factory=Counter)  # user actions while workers ran, by class
    held: Counter = field(default_factory=Counter)  # of those, on an invoice a worker held then

    def check(self, name: str, ok: bool) -> None:
        self.checks.append((name, bool(ok)))


def setup_database(sandbox: SandboxServer, workers: int):
    """The addon's database with a VHSYS integration on the sandbox and ``workers`` push workers."""
    registry = new_database(DB, "soak-install")
    with registry.cursor() as cr:
        env = odoo_env(cr)
        vhsys_integration(env, sandbox, "soak")
        env["ir.config_parameter"].set_param("tecpet_erp_sync.push_workers", str(workers))
    return registry


# -- job processes --------------------------------------------------------------------------------
def job_process() -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", str(ROOT / "tools" / "odoo.sh"), "shell", "-d", DB, "--no-http", "--log-level=critical"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def run_jobs(rng: random.Random, tally: Tally, concurrent: int, kill_probability: float, during=None) -> None:
    """Run job processes at once (push workers 1..concurrent); ``during(processes)`` acts while
    they run; maybe SIGKILL one mid-batch. Counts kills and refresh runs."""
    processes = [job_process() for _ in range(concurrent)]
    for worker, process in enumerate(processes, 1):
        process.stdin.write(f"WORKER_NO = {worker}\n{tally.script}".encode())
        process.stdin.close()
    if during is not None:
        during(processes)
    if rng.random() < kill_probability:
        time.sleep(rng.uniform(0.0, 3.0) if during else rng.uniform(2.5, 6.0))  # ~2.5 s to start
        victim = rng.choice(processes)
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
            tally.killed += 1
    for process in processes:
        process.wait(timeout=600)
        for line in process.stdout.read().decode(errors="replace").splitlines():
            words = line.split()
            if line.startswith("SOAK refresh "):
                tally.refreshes[words[2]] += 1
            if "crashed" in words:
                tally.crashes[" ".join(words[1:])] += 1


def refresh_here(env, tally: Tally, outcome: str) -> None:
    """One refresh run in this process (the margin shrunk like the workers'), committed."""
    for integration in env["tecpet.erp.integration"].search([("auth_failed", "=", False)]):
        env["tecpet.erp.document"]._refresh_integration(integration)
        env.cr.commit()
        tally.refreshes[outcome] += 1


def refresh_to_now(env, tally: Tally, outcome: str) -> None:
    """A refresh that brings every change made so far into Odoo: when the run completes a first
    read (every job round's refresh was postponed by faults, or killed), its cursor is the one
    taken before the first chunk, and what changed while it read is listed by the next run
    (docs/reliability.md), which then runs too."""
    first_read = not all(
        env["tecpet.erp.integration"].search([("auth_failed", "=", False)]).mapped("refresh_cursor")
    )
    refresh_here(env, tally, outcome)
    if first_read:
        refresh_here(env, tally, outcome)


def expire_leases(cr) -> None:
    """What time does in production: a killed worker's lease runs out, backoffs pass."""
    cr.execute("UPDATE tecpet_erp_claim SET lease_until = (now() AT TIME ZONE 'UTC') - interval '1 second'")
    cr.execute("UPDATE tecpet_erp_document SET next_attempt_at = NULL WHERE state = 'processing'")
    cr.commit()


def add_faults(sandbox: SandboxServer, rng: random.Random, revoke: bool) -> None:
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
    for _ in range(rng.randint(1, 3)):  # the refresh's reads
        sandbox.faults.add(
            fault=rng.choice(READ_FAULTS),
            provider="vhsys",
            method="GET",
            path=rng.choice(READ_PATHS),
            count=-1,
            probability=rng.uniform(0.02, 0.15),
            delay=0.2,
        )
    if revoke:  # the credentials are revoked at a random request of the round
        sandbox.faults.add(fault="revoked_token", provider="vhsys", count=1, probability=0.1)


# -- Odoo and ERP users between rounds ------------------------------------------------------------
def cancel_some(env, rng: random.Random, tally: Tally) -> None:
    """Reset 15 % of the invoices in the ERP to draft (one with an issued note is refused); post a
    third of them again at once, before the push job ran their cancellation; reverse 5 % of the
    others with a full credit note."""
    moves = env["account.move"].search(
        [("service_order_state", "in", ("open", "fulfilled", "awaiting_issue", "issued"))]
    )
    for move in moves:
        roll = rng.random()
        try:
            with env.cr.savepoint():
                if roll < 0.15:
                    move.button_draft()
                    tally.cancel_requested += 1
                    if rng.random() < 1 / 3:
                        move.action_post()
                        tally.odoo["re-posted before the cancel ran"] += 1
                    else:
                        tally.reset_moves.add(move.id)
                elif roll < 0.20:
                    move._reverse_moves(cancel=True)
                    tally.reversed_moves.add(move.id)
                    tally.odoo["fully reversed"] += 1
        except UserError:
            tally.cancel_refused += 1
    env.cr.commit()


def repost_or_delete(env, rng: random.Random, tally: Tally) -> None:
    """Later, the invoices reset to draft: half are posted again, the others deleted (refused while
    a document may still be live in the ERP)."""
    for move in env["account.move"].browse(sorted(tally.reset_moves)).exists():
        if move.state != "draft":
            continue
        if rng.random() < 0.5:
            move.action_post()
            tally.reset_moves.discard(move.id)
            tally.odoo["re-posted after the reset"] += 1
            continue
        try:
            with env.cr.savepoint():
                move.unlink()
            tally.reset_moves.discard(move.id)
            tally.odoo["deleted"] += 1
        except UserError:
            tally.odoo["deletion refused"] += 1
    env.cr.commit()


# -- Odoo users while the workers are mid-call ---------------------------------------------------
def users_during_jobs(registry, rng: random.Random, tally: Tally, kinds: list[str], processes) -> None:
    """Each of ``kinds`` once, as soon as a worker holds a document, on invoices a worker holds at
    that moment when there are some (the race of issue 20.1), else on any invoice it fits."""
    time.sleep(WORKER_START)
    if not wait_for_a_claim(registry, processes):
        return
    for kind in kinds:  # in quick succession, while the workers are in their batch
        for _attempt in range(5):  # as Odoo retries a request that failed to serialize
            try:
                with registry.cursor() as cr:
                    done = mid_call_action(odoo_env(cr), rng, tally, kind)
                    cr.commit()
            except psycopg2.extensions.TransactionRollbackError:
                time.sleep(0.05)
                continue
            if done:  # counted once committed: a rolled-back attempt did nothing
                record_mid_call(tally, kind, *done)
            break
        time.sleep(rng.uniform(0.02, 0.2))


def record_mid_call(tally: Tally, kind: str, move_id: int, busy: bool, refused: bool) -> None:
    tally.mid_call[kind] += 1
    tally.held[kind] += busy
    if refused:
        tally.odoo[f"{kind} refused"] += 1
    elif kind == "reset":
        tally.reset_moves.add(move_id)
        tally.cancel_requested += 1
    elif kind == "credit note":
        tally.reversed_moves.add(move_id)
    elif kind in ("re-post", "delete"):
        tally.reset_moves.discard(move_id)


def wait_for_a_claim(registry, processes, timeout: float = 30.0) -> bool:
    """Wait until a worker holds a document (a job process takes seconds to start on a busy
    machine); False once every worker has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(process.poll() is not None for process in processes):
            return False
        with registry.cursor() as cr:
            if odoo_env(cr)["tecpet.erp.document"].search([("claim_token", "!=", False)])._erp_claimed():
                return True
        time.sleep(0.1)
    return True


def mid_call_action(env, rng: random.Random, tally: Tally, kind: str) -> tuple[int, bool, bool] | None:
    """One user action of ``kind`` in ``env``'s transaction: (invoice, held by a worker, refused)."""
    Move = env["account.move"]
    held = env["tecpet.erp.document"].search([("claim_token", "!=", False)])._erp_claimed().move_id
    posted = Move.search(
        [("move_type", "=", "out_invoice"), ("state", "=", "posted"), ("erp_document_ids", "!=", False)]
    ).filtered(lambda m: m.id not in tally.reversed_moves)
    drafts = Move.browse(sorted(tally.reset_moves)).exists().filtered(lambda m: m.state == "draft")
    pool = {
        "reset": posted,
        "credit note": posted,
        "reprocess": posted | drafts,
        "re-post": drafts,
        "delete": drafts,
    }[kind]
    if not pool:
        return None
    busy = pool & held
    move = rng.choice(busy or pool)
    try:
        with env.cr.savepoint():
            if kind == "reset":
                move.button_draft()
            elif kind == "credit note":
                move._reverse_moves(cancel=True)
            elif kind == "reprocess":
                move.action_erp_reprocess()
            elif kind == "re-post":
                move.action_post()
            else:
                move.unlink()
    except UserError:
        return move.id, bool(busy), True
    return move.id, bool(busy), False


def erp_state(remote: dict) -> str:
    """The state a VHSYS document implies, with the precedence of erp/states.py ``vhsys_state``:
    canceled > issued > awaiting_issue (paid and done) > fulfilled (paid) > open."""
    if not remote["live"]:
        return "canceled"
    if remote["note"]:
        return "issued"
    if remote["paid"]:
        return "awaiting_issue" if remote["status"] == "Atendido" else "fulfilled"
    return "open"


def complete(remote: dict) -> bool:
    """Items and installments all there: a document an ERP user would take as real."""
    return remote["items"] > 0 and remote["installments_total"] == remote["items_total"]


def erp_events(sandbox: SandboxServer, registry, rng: random.Random, tally: Tally) -> None:
    """ERP users act on random live documents: on those Odoo reads back, and (payments only) on
    complete ones whose creation Odoo has not recorded yet (a worker died after creating them)."""
    with registry.cursor() as cr:
        local = {
            d["marker"]: d
            for d in odoo_env(cr)["tecpet.erp.document"].search_read(
                [], ["marker", "state", "pending_action", "external_id"]
            )
        }
    for remote in sandbox.control("state", {})["vhsys"]["documents"]:
        doc = local.get(remote["marker"])
        if doc is None or not remote["live"]:
            continue
        if remote["note"]:
            if doc["state"] == "issued" and rng.random() < EVENT_PROBABILITY:
                erp_event(sandbox, rng, tally, remote, "cancel_note")
            continue
        recorded = (
            doc["external_id"] == remote["id"]
            and doc["state"] in REFRESHED_STATES
            and not doc["pending_action"]
        )
        unrecorded = not doc["external_id"] and doc["pending_action"] == "push" and complete(remote)
        if recorded and rng.random() < EVENT_PROBABILITY:
            choices = (
                ["ready", "issue", "cancel", "delete"]
                if remote["paid"]
                else ["pay_part", "pay", "pay", "issue", "cancel", "delete"]
            )
            erp_event(sandbox, rng, tally, remote, rng.choice(choices))
        elif unrecorded and rng.random() < EARLY_PAY_PROBABILITY:
            erp_event(sandbox, rng, tally, remote, "pay_unrecorded")


def erp_event(sandbox: SandboxServer, rng: random.Random, tally: Tally, remote: dict, event: str) -> None:
    params = {"provider": "vhsys", "doc_type": remote["doc_type"], "id": remote["id"]}
    if event == "pay_part":
        params["amount"] = str(
            (Decimal(remote["total"]) * Decimal(rng.uniform(0.2, 0.7))).quantize(Decimal("0.01"))
        )
    action = "pay" if event.startswith("pay") else event
    summary = sandbox.control(action, params)
    tally.events[event] += 1
    tally.ledger[remote["id"]] = erp_state(summary)
    if event in ("cancel", "delete"):
        tally.erp_canceled.add(remote["id"])


def revoked_round_aftermath(sandbox: SandboxServer, registry, tally: Tally, workers: int) -> None:
    """The credentials were revoked during the round: the integration must be flagged and the jobs
    must stop calling; then the credentials come back and Test connection resumes the work."""
    log = sandbox.requests_log("vhsys")
    revoked_at = next((n for n, r in enumerate(log) if r["fault"] == "revoked_token"), len(log))
    if not sandbox.vhsys.revoked:  # the rule did not fire: revoke now, the next run meets it
        sandbox.control("revoke_credentials", {"provider": "vhsys"})
    with registry.cursor() as cr:
        env = odoo_env(cr)
        integration = env["tecpet.erp.integration"].search([("provider", "=", "vhsys")])
        if not integration.auth_failed:  # no worker met the refusal: the next call does
            refresh_here(env, tally, "auth")
        if not integration.auth_failed:  # nothing to read back yet: a push meets it
            expire_leases(cr)
            env["tecpet.erp.document"]._push_batch(batch_size=1, with_commit=True)
        integration.invalidate_recordset()
        tally.check("auth: the integration is flagged once the ERP refuses it", integration.auth_failed)
        expire_leases(cr)
        calls = len(sandbox.requests_log("vhsys"))
        env["tecpet.erp.document"]._push_batch(batch_size=40, time_budget=60, with_commit=True)
        env["tecpet.erp.document"]._cron_refresh_status()
        refused = len(sandbox.requests_log("vhsys")) - revoked_at
        tally.check("auth: the jobs make no call while flagged", len(sandbox.requests_log("vhsys")) == calls)
        # Each worker may meet the refusal once in its batch and once in its refresh, no more.
        tally.check(f"auth: {refused} calls refused, at most 2 per worker", refused <= 2 * workers)
        sandbox.control("restore_credentials", {"provider": "vhsys"})
        failed = env["tecpet.erp.document"].search_count(
            [("state", "=", "error"), ("error_kind", "=", "connection")]
        )
        integration.action_test_connection()
        cr.commit()
        tally.check("auth: Test connection clears the flag", not integration.auth_failed)
        tally.auth["revoked"] += 1
        tally.auth["requeued"] += failed
        tally.auth["refused"] += refused


# -- campaign: a hypothesis state machine ------------------------------------------------------
@dataclass
class Campaign:
    """What every example of the state machine shares: one database, one sandbox, one tally."""

    sandbox: SandboxServer
    registry: object
    tally: Tally
    seed: int
    invoices: int  # posted at the start of each example
    workers: int
    started: float = field(default_factory=time.monotonic)
    examples: int = 0
    failures: list[str] = field(default_factory=list)


CAMPAIGN: Campaign | None = None
MAX_ODOO_STEPS = 2  # Odoo and ERP users' steps in a row before the jobs must run again
SALT = st.integers(0, 2**31)
STEPS = ("jobs", "erp users", "reset or reverse", "repost or delete", "reprocess and refresh")


class SoakMachine(RuleBasedStateMachine):
    """The life of the invoices under faults. Each rule is one step of users or jobs, drawn by
    hypothesis (see ``random``); after every step the invariants below hold
    for every document that is settled (nothing pending); at the end of an example the calm phase
    runs and ``verify`` checks everything is settled and agrees with the ERP."""

    def __init__(self):
        super().__init__()
        self.c = CAMPAIGN
        self.rounds = 0
        self.odoo_steps = 0
        self.refreshed = False
        self.steps_done = 0
        self.revoke_round = None
        self.stale: set[str] = set()  # ERP ids changed by ERP users since our last read-back

    def random(self, salt: int) -> random.Random:
        """The randomness of one step: hypothesis's draw mixed with the campaign's seed and the
        step's number. Hypothesis tries its simplest example (every draw 0) first, and the short
        soak is that one example: without the seed, it would push calmly and never kill a worker."""
        self.steps_done += 1
        return random.Random(f"{self.c.seed}-{self.c.examples}-{self.steps_done}-{salt}")

    @initialize(salt=SALT)
    def post_invoices(self, salt):
        """Fresh invoices of random kinds (services, goods, mixed), posted."""
        rng = self.random(salt)
        # The first job round of the first example revokes the credentials (while the push still
        # has work, and whatever the number of steps, as the old soak did).
        self.revoke_round = 0 if not self.c.tally.auth["revoked"] else None
        with self.c.registry.cursor() as cr:
            env = odoo_env(cr)
            sets = catalogue(env)
            kinds = [sets["service"], sets["goods"], sets["mixed"], sets["mixed_other"]]
            partners = customers(env)
            new_invoices(env, partners, kinds, self.c.invoices, rng, shuffle=True).action_post()

    @rule(salt=SALT)
    def step(self, salt):
        """One step of the kind drawn (one rule rather than one per kind: hypothesis's swarm
        testing would switch whole kinds off for an example, and the short soak is one example).
        Users act at most MAX_ODOO_STEPS times in a row; then the jobs run."""
        allowed = {
            "jobs": True,
            "erp users": self.odoo_steps < MAX_ODOO_STEPS,
            "reset or reverse": self.odoo_steps < MAX_ODOO_STEPS,
            "repost or delete": self.odoo_steps < MAX_ODOO_STEPS and bool(self.c.tally.reset_moves),
            "reprocess and refresh": self.odoo_steps < MAX_ODOO_STEPS and not self.refreshed,
        }
        rng = self.random(salt)
        kind = rng.choice(STEPS)
        if not allowed[kind]:
            kind = "jobs"
        self.c.tally.steps[kind] += 1
        getattr(self, kind.replace(" ", "_"))(rng)

    def jobs(self, rng):
        """Push workers (each refreshes, pushes a batch, refreshes) under random faults, one of
        them maybe killed mid-batch; one round of the campaign revokes the credentials."""
        revoke = self.rounds == self.revoke_round
        add_faults(self.c.sandbox, rng, revoke=revoke)
        kinds = (
            list(MID_CALL) if self.c.tally.short else [rng.choice(MID_CALL) for _ in range(rng.randint(1, 5))]
        )
        self.c.sandbox.latency = JOB_LATENCY
        try:
            run_jobs(
                rng,
                self.c.tally,
                concurrent=self.c.workers,
                kill_probability=0.6,
                during=lambda processes: users_during_jobs(
                    self.c.registry, rng, self.c.tally, kinds, processes
                ),
            )
        finally:
            self.c.sandbox.latency = 0.002
        self.c.sandbox.faults.clear()
        if revoke:
            revoked_round_aftermath(self.c.sandbox, self.c.registry, self.c.tally, self.c.workers)
        with self.c.registry.cursor() as cr:
            expire_leases(cr)
        self.rounds += 1
        self.odoo_steps = 0
        self.refreshed = False
        self.log(f"jobs (users meanwhile: {kinds})")

    def erp_users(self, rng):
        """ERP users pay, mark done, issue, cancel and delete documents (some not recorded yet)."""
        before = Counter(self.c.tally.events)
        erp_events(self.c.sandbox, self.c.registry, rng, self.c.tally)
        self.stale |= set(self.c.tally.ledger)  # conservative: any document an event touched
        self.odoo_steps += 1
        self.log(f"ERP events {dict(Counter(self.c.tally.events) - before)}")

    def reset_or_reverse(self, rng):
        """Odoo users reset invoices to draft (some posted again at once) or reverse them."""
        with self.c.registry.cursor() as cr:
            cancel_some(odoo_env(cr), rng, self.c.tally)
            expire_leases(cr)
        self.odoo_steps += 1
        self.log("reset/reverse")

    def repost_or_delete(self, rng):
        """Invoices reset earlier are posted again or deleted (refused while a document may live)."""
        with self.c.registry.cursor() as cr:
            repost_or_delete(odoo_env(cr), rng, self.c.tally)
            expire_leases(cr)
        self.odoo_steps += 1
        self.log("repost/delete")

    def reprocess_and_refresh(self, _rng):
        """An administrator reprocesses what gave up on the connection; a calm read-back runs."""
        with self.c.registry.cursor() as cr:
            env = odoo_env(cr)
            env["tecpet.erp.document"].search(
                [("state", "=", "error"), ("error_kind", "=", "connection")]
            )._requeue()
            cr.commit()
            refresh_to_now(env, self.c.tally, "step")
        self.stale.clear()
        self.refreshed = True  # once between two job rounds: nothing new to read before them
        self.odoo_steps += 1
        self.log("reprocess/refresh")

    def log(self, what: str) -> None:
        c = self.c
        print(
            f"[soak] step {what}: faults injected {c.sandbox.faults.injected}, killed {c.tally.killed}, "
            f"ERP events {sum(c.tally.events.values())}; {time.monotonic() - c.started:.0f} s",
            flush=True,
        )

    @invariant()
    def settled_documents_agree_with_the_erp(self):
        failed = step_invariants(self.c, self.stale)
        assert not failed, "invariant broken after this step:\n  " + "\n  ".join(failed[:10])

    def teardown(self):
        calm_phase(self.c)
        self.c.examples += 1
        broken = step_invariants(self.c, set())  # settled now, nothing stale: they hold for all
        self.c.tally.check(f"the step invariants hold once settled {broken[:5]}", not broken)
        failed = verify(self.c.registry, self.c.sandbox, self.c.seed, self.c.tally)
        assert not failed, "final checks failed (listed above)"


def step_invariants(c: Campaign, stale: set[str]) -> list[str]:
    """What holds after every step, for every document with nothing pending: no duplicate, no
    live ERP document Odoo does not know or has cancelled, every live one complete, pointed at and
    equal to its invoice to the cent, and the invoice's column its documents' state."""
    remote: dict[str, list[dict]] = {}
    for row in c.sandbox.control("state", {})["vhsys"]["documents"]:
        remote.setdefault(row["marker"], []).append(row)
    failed = []
    with c.registry.cursor() as cr:
        env = odoo_env(cr)
        docs = env["tecpet.erp.document"].with_context(active_test=False).search([])
        markers = set(docs.mapped("marker"))
        for marker, rows in remote.items():
            live = [r for r in rows if r["live"]]
            if len(live) > 1:
                failed.append(f"{marker}: {len(live)} live ERP documents (duplicate)")
            if live and marker not in markers:
                failed.append(f"{marker}: live in the ERP, unknown to Odoo")
        for doc in docs.filtered(lambda d: not d.pending_action):
            live = [r for r in remote.get(doc.marker, []) if r["live"]]
            if doc.state == "canceled" and live:
                failed.append(f"{doc.marker}: canceled in Odoo, live in the ERP")
            if doc.state not in LIVE_STATES or doc.external_id in stale:
                continue
            if len(live) != 1 or live[0]["id"] != doc.external_id:
                failed.append(
                    f"{doc.marker} {doc.state}: {len(live)} live ERP documents, not {doc.external_id}"
                )
                continue
            one = live[0]
            if not complete(one):
                failed.append(f"{doc.marker}: incomplete in the ERP {one}")
            want = invoice_amount(doc)
            if Decimal(one["total"]) != want or Decimal(one["installments_total"]) != want:
                failed.append(
                    f"{doc.marker}: ERP total {one['total']}, installments {one['installments_total']}, "
                    f"invoice {want}"
                )
            if erp_state(one) != doc.state:
                read = f"read back {doc.last_sync_at}, read error {doc.read_error!r}"
                failed.append(f"{doc.marker}: Odoo {doc.state}, the ERP says {erp_state(one)} ({read})")
        for move in docs.move_id:
            want = aggregate_invoice_state(move.erp_document_ids.mapped("state"))
            if move.service_order_state != (want and want.value):
                failed.append(f"{move.name}: column {move.service_order_state}, its documents {want}")
        failed += invoice_invariants(c, docs, remote)
    return failed


def invoice_invariants(c: Campaign, docs, remote: dict[str, list[dict]]) -> list[str]:
    """Per invoice, whatever is pending: never two live ERP documents of one type (a replacement
    waits for the old one's cancel); none once a reset or credited invoice is settled; no
    document processing with nothing left to do (it would never move again)."""
    failed = []
    for move, move_docs in docs.grouped("move_id").items():
        for doc_type, typed in move_docs.grouped("doc_type").items():
            live = [r for d in typed for r in remote.get(d.marker, []) if r["live"]]
            if len(live) > 1:
                failed.append(f"{move.name}: {len(live)} live ERP {doc_type}s for one invoice")
        settled = not any(d.pending_action for d in move_docs)
        gone = move.state != "posted" or move.id in c.tally.reversed_moves
        if gone and settled:
            live = [r for d in move_docs for r in remote.get(d.marker, []) if r["live"]]
            if live:
                failed.append(f"{move.name} ({move.state}): {len(live)} live ERP documents")
    for doc in docs.filtered(lambda d: d.state == "processing" and not d.pending_action):
        failed.append(f"{doc.marker}: processing with nothing pending")
    return failed


def invoice_amount(doc) -> Decimal:
    """What the ERP document must total: the invoice's lines of the document's kind, to the cent."""
    lines = doc.move_id.invoice_line_ids.filtered(lambda line: line.display_type == "product")
    kind = lines.filtered(
        lambda line: (not line.product_id or line.product_id.type == "service")
        == (doc.doc_type == "service_order")
    )
    return sum((Decimal(str(line.price_total)) for line in kind), Decimal(0)).quantize(Decimal("0.01"))


def calm_phase(c: Campaign) -> None:
    """No more faults; the jobs finish and reprocess what gave up on the connection; the final
    read-back brings every ERP change into Odoo."""
    rng = random.Random(c.seed)
    for calm_run in range(1, 11):
        with c.registry.cursor() as cr:
            env = odoo_env(cr)
            env["tecpet.erp.document"].search(
                [("state", "=", "error"), ("error_kind", "=", "connection")]
            )._requeue()
            cr.commit()
            expire_leases(cr)
            # What the jobs can still do (data errors, and what they hold back, wait for people).
            pending = env["tecpet.erp.document"].search_count(env["tecpet.erp.document"]._push_domain())
        if not pending:
            break
        print(
            f"[soak] calm run {calm_run}: {pending} documents pending; crashes {dict(c.tally.crashes)}",
            flush=True,
        )
        run_jobs(rng, c.tally, concurrent=1, kill_probability=0)
    with c.registry.cursor() as cr:
        margin = odoo_env(cr)["tecpet.erp.integration"].search([])._erp_client().options.refresh_margin
        c.tally.check(
            f"the refresh re-reads {margin} s before its cursor, not 10 minutes", margin == REFRESH_MARGIN
        )
        refresh_to_now(odoo_env(cr), c.tally, "final")
    print(f"[soak] calm phase done; {time.monotonic() - c.started:.0f} s", flush=True)


def main() -> int:
    global CAMPAIGN  # noqa: PLW0603 (the state machine's instances share the campaign)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the quick campaign run by make test")
    parser.add_argument("--invoices", type=int, help="invoices posted per example (short 60, long 1500)")
    parser.add_argument("--rounds", type=int, help="steps per example (short 10, long 40)")
    parser.add_argument("--examples", type=int, help="state machine examples (short 1, long 3)")
    parser.add_argument("--workers", type=int, default=2, help="push workers running at once (2)")
    parser.add_argument("--seed", type=int, help="replay a run (also SOAK_SEED)")
    args = parser.parse_args()
    invoices = args.invoices or (60 if args.short else 1500)
    steps = args.rounds or (10 if args.short else 40)
    examples = args.examples or (1 if args.short else 3)
    seed = (
        args.seed
        if args.seed is not None
        else int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(10**6))
    )
    print(
        f"[soak] seed {seed} (replay: --seed {seed}); {examples} example(s) of {steps} steps, "
        f"{invoices} invoices each, {args.workers} push workers",
        flush=True,
    )
    sandbox = SandboxServer.start(seed=seed)
    sandbox.latency = 0.002
    started = time.monotonic()
    registry = setup_database(sandbox, args.workers)
    shrink_refresh_margin()
    # 40 a run in the short campaign; the long one takes a quarter of the invoices a run: most
    # documents are then sent under faults, not in the calm phase.
    tally = Tally(script=job_script(max(40, invoices // 4)), short=args.short)
    CAMPAIGN = Campaign(sandbox, registry, tally, seed, invoices, args.workers, started)
    print(f"[soak] database ready in {time.monotonic() - started:.0f} s", flush=True)
    machine = hypothesis_seed(seed)(SoakMachine.TestCase)
    machine.settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=False,
        # Real processes and a real clock: a replay is not exact, so no shrinking.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    try:
        machine("runTest").runTest()
    except Exception as exc:  # an invariant or a final check; hypothesis may then report its replay
        print(f"[soak] FAILED (replay: --seed {seed}): {type(exc).__name__}: {exc}")
        # A step that raised once and not in hypothesis's replay (FlakyFailure): its own traceback.
        for cause in getattr(exc, "exceptions", ()):
            print("".join(traceback.format_exception(cause)), end="")
        return 1
    finally:
        sandbox.stop()
    print(f"[soak] {CAMPAIGN.examples} example(s), steps {dict(tally.steps)}; seed {seed}")
    return 0


# -- verification -----------------------------------------------------------------------------
def check_document(doc, rows: list[dict], tally: Tally) -> None:
    """One Odoo document against the ERP documents carrying its marker."""
    live = [r for r in rows if r["live"]]
    if doc.state in LIVE_STATES:
        tally.check(f"{doc.marker} {doc.state}: one live ERP document", len(live) == 1)
        if len(live) == 1:
            one = live[0]
            tally.check(f"{doc.marker}: Odoo points at it", one["id"] == doc.external_id)
            complete_ok = one["items"] > 0 and one["installments_total"] == one["items_total"]
            tally.check(f"{doc.marker}: complete (items, installments)", complete_ok)
            if doc.doc_type == "sales_order":
                ok = one["stock_exits"] == 1 and one["stock_reversals"] == 0
                tally.check(f"{doc.marker}: one stock exit", ok)
            tally.check(
                f"{doc.marker}: Odoo {doc.state}, the ERP says {erp_state(one)}", erp_state(one) == doc.state
            )
    elif doc.state == "canceled":
        tally.check(f"{doc.marker} canceled: nothing live in the ERP", not live)
    elif doc.state == "processing" and doc.pending_action == "push" and held_back(doc):
        # Re-posted while the old document's cancel was refused (note issued): it waits (N2).
        tally.check(f"{doc.marker}: held back while the old one is live, nothing of it sent", not rows)
    elif doc.state == "error" and doc.pending_action == "cancel" and doc.error_kind == "data":
        # Reset to draft after an ERP user issued the note (2.2) or paid a receivable (N23):
        # refused with a clear message.
        mine = [r for r in live if r["id"] == doc.external_id]
        reason = (
            "issued"
            if any(r["note"] for r in mine)
            else "is paid"
            if any(r["receivable_paid"] for r in mine)
            else ""
        )
        tally.check(
            f"{doc.marker}: cancel refused because the note is issued or a receivable is paid "
            f"({doc.error_message!r})",
            bool(reason),
        )
        tally.check(
            f"{doc.marker}: the refusal says why", bool(reason) and reason in (doc.error_message or "")
        )
    else:
        tally.check(f"{doc.marker}: settled (state {doc.state}: {doc.error_message})", False)
    for dead in [r for r in rows if not r["live"] and r["doc_type"] == "sales_order"]:
        if dead["id"] in tally.erp_canceled:
            continue  # an ERP user cancelled it: what happens to its stock is the ERP's business
        tally.check(
            f"{doc.marker}: stock of a dropped PV reversed", dead["stock_exits"] == dead["stock_reversals"]
        )


def held_back(doc) -> bool:
    """A new document waiting for the failed cancellation of its invoice's old one of its type."""
    others = doc.move_id.erp_document_ids - doc
    return any(
        o.doc_type == doc.doc_type and o.pending_action == "cancel" and o.state == "error" for o in others
    )


def check_ledger(docs, by_id: dict[str, dict], tally: Tally) -> None:
    """The ERP still says what it said after our last event on each document, unless Odoo then
    cancelled it; and Odoo agrees (the same check as above, from the events' side)."""
    odoo_of = {d.external_id: d for d in docs if d.external_id}
    for erp_id, said in tally.ledger.items():
        final = erp_state(by_id[erp_id])
        doc = odoo_of.get(erp_id)
        if doc is not None and doc.state == "canceled" and final == "canceled":
            continue  # Odoo cancelled it afterwards
        tally.check(f"ERP {erp_id}: still {said} after our last event (now {final})", final == said)
        if doc is not None and doc.state in LIVE_STATES:
            tally.check(
                f"{doc.marker}: Odoo {doc.state}, our last ERP event left it {said}", doc.state == said
            )


def check_posted_invoices(env, tally: Tally) -> None:
    """A posted invoice is never left without its live ERP document (PRODUCT 2.9): each of its
    document types has one that is not canceled, unless an ERP user cancelled or deleted it, or the
    invoice was fully reversed."""
    moves = env["account.move"].search([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    for move in moves.filtered("erp_document_ids"):
        if move.id in tally.reversed_moves:
            continue
        for doc_type, docs in move.erp_document_ids.grouped("doc_type").items():
            if all(d.state == "canceled" for d in docs):
                by_erp = any(d.external_id in tally.erp_canceled for d in docs)
                tally.check(
                    f"{move.name}: posted with its {doc_type} canceled (by the ERP: {by_erp})", by_erp
                )


def verify(registry, sandbox, seed, tally: Tally) -> int:
    remote: dict[str, list[dict]] = {}
    for row in sandbox.control("state", {})["vhsys"]["documents"]:
        remote.setdefault(row["marker"], []).append(row)
    with registry.cursor() as cr:
        env = odoo_env(cr)
        docs = env["tecpet.erp.document"].with_context(active_test=False).search([])
        states = Counter(docs.mapped("state"))
        for doc in docs:
            check_document(doc, remote.get(doc.marker, []), tally)
        markers = set(docs.mapped("marker"))
        lost = sum(
            1 for d in docs if d.state in LIVE_STATES and not any(r["live"] for r in remote.get(d.marker, []))
        )
        mismatched = sum(
            1
            for d in docs
            for r in remote.get(d.marker, [])
            if r["live"] and r["id"] == d.external_id and d.state in LIVE_STATES and erp_state(r) != d.state
        )
        check_ledger(docs, {r["id"]: r for rows in remote.values() for r in rows}, tally)
        for move in docs.move_id:
            want = aggregate_invoice_state(move.erp_document_ids.mapped("state"))
            got = move.service_order_state
            tally.check(
                f"{move.name}: invoice state {got}, its documents {want}", got == (want and want.value)
            )
        check_posted_invoices(env, tally)
    stray = [m for m, rows in remote.items() if m not in markers and any(r["live"] for r in rows)]
    tally.check("no live ERP document without an Odoo document", not stray)
    tally.check(f"no job run crashed {dict(tally.crashes)}", not tally.crashes)
    if tally.short:
        missing = [kind for kind in MID_CALL if not tally.mid_call[kind]]
        tally.check(f"every user action ran while workers were mid-call (missing: {missing})", not missing)
        tally.check(
            f"some hit an invoice a worker held at that moment {dict(tally.held)}", sum(tally.held.values())
        )
    duplicates = sum(1 for m in markers if sum(r["live"] for r in remote.get(m, [])) > 1)
    failed = [name for name, ok in tally.checks if not ok]
    for name in failed[:30]:
        print(f"[soak] FAILED: {name}")
    events = dict(tally.events)
    print(
        f"[soak] documents {len(docs)} {dict(states)}; ERP documents {sum(len(v) for v in remote.values())}; "
        f"faults injected {sandbox.faults.injected}; workers killed {tally.killed}; "
        f"cancels {tally.cancel_requested} (refused {tally.cancel_refused}); Odoo events {dict(tally.odoo)}; "
        f"ERP events {sum(events.values())} {events}; credentials revoked {tally.auth['revoked']} "
        f"({tally.auth['refused']} calls refused, {tally.auth['requeued']} documents requeued); "
        f"refresh runs {sum(tally.refreshes.values())} {dict(tally.refreshes)}; "
        f"states unlike the ERP {mismatched}; duplicates {duplicates}; lost {lost + mismatched}; "
        f"users while workers ran {dict(tally.mid_call)} (on held invoices {dict(tally.held)}); seed {seed}"
    )
    print(f"{len(tally.checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
