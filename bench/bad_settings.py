"""The bad-input campaign's settings part (issue 21, N25 and the Bling token fields).

An administrator types the jobs' numeric system parameters in Settings → Technical → System
Parameters, where nothing checks them, and may write a single Bling token field over the form or
RPC. Generated values (hypothesis) for both, each followed by what production then runs:

- every numeric parameter set to a typed value (words, signs, NaN, infinities, huge or Arabic-Indic
  numbers, spaces: each edge value in all of them, then drawn ones), then the three crons (push
  with one new invoice to send, read-back, Bling keep-alive) run as the cron runs them, each on
  its own cursor in a thread: none raises, they end within ``CRON_SECONDS`` (a huge wait or limit
  must be bounded), and the invoice reaches *Open*;
- one Bling token field (access, refresh or expiry) written alone, as one RPC call does it (nothing
  in the cache): the field holds what was written and the other two are unchanged.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from common import odoo_env
from hypothesis import example, given
from hypothesis import strategies as st

from odoo import fields

PARAMS = (
    "tecpet_erp_sync.batch_size",
    "tecpet_erp_sync.push_workers",
    "tecpet_erp_sync.consistency_wait",
    "tecpet_erp_sync.sweep_age_hours",
    "tecpet_erp_sync.sweep_limit",
    "tecpet_erp_sync.sweep_daily_calls",
    "tecpet_erp_sync.note_final_days",
    "tecpet_erp_sync.bling_keepalive_days",
    "tecpet_erp_sync.attempt_history_size",
)
CRONS = (
    ("tecpet.erp.document", "_cron_push_documents"),
    ("tecpet.erp.document", "_cron_refresh_status"),
    ("tecpet.erp.integration", "_cron_bling_keepalive"),
)
CRON_SECONDS = 60  # a run of the three crons over this campaign's few documents takes a second or two
TOKEN_FIELDS = ("bling_access_token", "bling_refresh_token", "bling_token_expires_at")

Check = tuple[str, bool]

# What a person may type where a number is expected: these every run, then drawn ones (text as
# JSON-RPC can carry it: no NUL, no lone surrogate).
RPC_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
EDGE_VALUES = (
    "",
    " ",
    "abc",
    "ten",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "-1",
    "0",
    "0.5",
    " 7 ",
    "7,5",
    "1_000",
    "١٢",
    "0x10",
    "False",
    "None",
    "9" * 30,
    "-" + "9" * 30,
    "1e30",
    "650",
)
TYPED_NUMBERS = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(RPC_TEXT, max_size=12),
)


def run_crons(registry) -> tuple[str, float]:
    """The three crons, each on its own cursor as the cron runner gives it, in a thread that may
    take at most ``CRON_SECONDS``; returns (the traceback or timeout, "" when none; seconds)."""
    outcome: list[str] = []

    def crons() -> None:
        try:
            for model, method in CRONS:
                with registry.cursor() as cr:
                    getattr(odoo_env(cr)[model], method)()
        except Exception:  # the campaign's point: report it, never crash on it
            outcome.append(traceback.format_exc(limit=4))

    started = time.monotonic()
    worker = threading.Thread(target=crons, daemon=True)  # a hung one must not hold the campaign
    worker.start()
    worker.join(CRON_SECONDS)
    elapsed = time.monotonic() - started
    if worker.is_alive():
        return f"still running after {CRON_SECONDS} s", elapsed
    return (outcome[0] if outcome else ""), elapsed


def parameter_checks(env, seed_settings: Callable, examples: int, new_invoice: Callable) -> list[Check]:
    """Every parameter at once set to each edge value, then ``examples`` drawn values for each;
    after each setting, one new invoice (``new_invoice(env)`` posts it) and the three crons."""
    registry = env.registry
    checks: list[Check] = []
    params = env["ir.config_parameter"]

    @seed_settings(examples)
    @given(st.fixed_dictionaries(dict.fromkeys(PARAMS, TYPED_NUMBERS)))
    def one_setting(typed: dict[str, str]) -> None:
        for key, raw in typed.items():
            params.set_param(key, raw)
        move = new_invoice(env)
        env.cr.commit()
        failure, elapsed = run_crons(registry)
        env.invalidate_all()
        values = set(typed.values())
        shown = (
            f"every parameter={values.pop()!r}"
            if len(values) == 1
            else ", ".join(f"{key.split('.')[1]}={raw!r}" for key, raw in typed.items())
        )
        checks.append((f"{shown}: the crons run ({failure.strip()[-400:]})", not failure))
        checks.append((f"{shown}: the crons end in {elapsed:.1f} s", elapsed < CRON_SECONDS))
        states = move.erp_document_ids.mapped("state")
        checks.append((f"{shown}: the new invoice is sent ({states})", set(states) == {"open"}))

    for raw in EDGE_VALUES:
        one_setting = example(dict.fromkeys(PARAMS, raw))(one_setting)
    one_setting()
    for key in PARAMS:
        params.set_param(key, False)  # the defaults again
    env.cr.commit()
    return checks


def bling_integration(env, sandbox) -> Any:
    """A connected Bling integration of a company of its own (one integration per company)."""
    company = env["res.company"].create({"name": "Bad-input Bling"})
    integration = env["tecpet.erp.integration"].create(
        {
            "name": "bad-input Bling",
            "provider": "bling",
            "company_id": company.id,
            "api_url": sandbox.bling_url,
            "bling_client_id": "bad-input",
            "bling_client_secret": "bad-input",
        }
    )
    issued = sandbox.bling.control("issue_tokens", {})
    integration.write(
        {
            "bling_access_token": issued["access_token"],
            "bling_refresh_token": issued["refresh_token"],
            "bling_token_expires_at": fields.Datetime.now() + dt.timedelta(hours=6),
        }
    )
    env.cr.commit()
    return integration


TOKENS = st.one_of(
    st.just(False),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300),
)
EXPIRIES = st.one_of(
    st.just(False),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda when: fields.Datetime.to_string(when.replace(microsecond=0))
    ),
)


def token_checks(env, integration, seed_settings: Callable, examples: int) -> list[Check]:
    """One token field written alone, ``examples`` times: the others stay as they were."""
    checks: list[Check] = []

    def tokens() -> dict[str, Any]:
        env.invalidate_all()  # as one RPC call reads it
        row = integration.bling_token_ids
        return {
            "bling_access_token": row.access_token or False,
            "bling_refresh_token": row.refresh_token or False,
            "bling_token_expires_at": row.expires_at and fields.Datetime.to_string(row.expires_at),
        }

    @seed_settings(examples)
    @given(
        st.sampled_from(TOKEN_FIELDS).flatmap(
            lambda name: st.tuples(st.just(name), EXPIRIES if "expires" in name else TOKENS)
        )
    )
    def one_write(written: tuple[str, Any]) -> None:
        name, value = written
        before = tokens()
        env.invalidate_all()
        try:
            integration.write({name: value})
        except Exception:
            checks.append((f"writing {name}={value!r} alone: {traceback.format_exc(limit=3)}", False))
            env.cr.rollback()
            return
        after = tokens()
        expected = {**before, name: value or False}
        others = [other for other in TOKEN_FIELDS if other != name]
        checks.append(
            (
                f"writing {name}={value!r} alone keeps {', '.join(others)} ({before} -> {after})",
                all(after[other] == before[other] for other in others),
            )
        )
        checks.append(
            (f"writing {name}={value!r} alone stores it ({after[name]!r})", after[name] == expected[name])
        )
        env.cr.commit()

    one_write()
    return checks
