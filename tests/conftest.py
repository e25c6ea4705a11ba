"""Shared pytest fixtures: one ERP sandbox per session, reset before every test that uses it."""

import time
import uuid

import pytest
from samples import CUSTOMER
from tecpet_erp_sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox_server():
    server = SandboxServer.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The session's sandbox server, with emulators, faults, latency and request log reset."""
    sandbox_server.reset()
    return sandbox_server


# -- VHSYS ------------------------------------------------------------------------------------
VHSYS_TOKENS = ("sandbox-access-token", "sandbox-secret-token")


@pytest.fixture
def make_vhsys(sandbox):
    """Factory of VHSYS clients on the sandbox: 0.5 s timeouts, no consistency wait, the NFS-e
    settings of an account in production, and goods sent without an NCM (the mapping's invoice
    lines carry none; the NCM rule is tested in tests/test_vhsys_fiscal.py)."""
    from tecpet_erp_sync.erp.vhsys import NfseSettings, VhsysClient, VhsysOptions

    clients = []

    def make(**options):
        options.setdefault("consistency_wait", 0)
        options.setdefault("allow_free_text_items", True)
        options.setdefault(
            "nfse", NfseSettings("production", series="1", nature="1", seller="Vendedor Sandbox")
        )
        client = VhsysClient(sandbox.vhsys_url, *VHSYS_TOKENS, timeout=0.5, options=VhsysOptions(**options))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# -- Bling ------------------------------------------------------------------------------------
@pytest.fixture
def bling_tokens(sandbox):
    """Token manager of the sandbox's default Bling app, holding a fresh token pair."""
    from tecpet_erp_sandbox.bling import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    from tecpet_erp_sync.erp.bling_oauth import BlingTokenManager, MemoryTokenStore, TokenSet

    store = MemoryTokenStore()
    token_url = sandbox.bling_url + "/oauth/token"
    manager = BlingTokenManager(token_url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, store)
    issued = sandbox.bling.control("issue_tokens", {})
    store.save(TokenSet.from_response(issued, time.time()))
    return manager


@pytest.fixture
def make_bling(sandbox, bling_tokens):
    """Factory of Bling clients on the sandbox. Fast by default: the emulator's 3 req/s limit is
    off and each client gets its own permissive limiter (``fast=False`` keeps both real)."""
    from tecpet_erp_sync.erp.bling import BlingClient, BlingOptions
    from tecpet_erp_sync.erp.ratelimit import RateLimiter

    clients = []

    def make(*, fast=True, tokens=None, **options):
        options.setdefault("account_key", f"test-{uuid.uuid4().hex}")
        options.setdefault("service_code", "0501")
        options.setdefault("timeout", (2.0, 5.0))
        if fast:
            sandbox.bling.control("rate_limit", {"enabled": 0})
        client = BlingClient(
            sandbox.bling_url,
            tokens or bling_tokens,
            options=BlingOptions(**options),
            rate_limiter=RateLimiter(1000, 1.0) if fast else None,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def bling_order():
    """Factory of contract orders for Bling tests: ``bling_order(doc_type, marker, **changes)``."""
    import datetime as dt
    import itertools
    from decimal import Decimal

    from tecpet_erp_sync.erp.contract import (
        DocType,
        Installment,
        Line,
        LineKind,
        OrderRequest,
    )

    counter = itertools.count(1)

    def make(doc_type=DocType.SERVICE_ORDER, marker="", *, customer=None, lines=None, installments=None):
        number = next(counter)
        customer = customer or CUSTOMER
        goods = doc_type is DocType.SALES_ORDER
        lines = lines or (
            Line(
                LineKind.GOODS if goods else LineKind.SERVICE,
                "Ração 10 kg" if goods else "Banho e tosa",
                Decimal("2"),
                Decimal("45.50"),
                product_code="RAC10" if goods else "BANHO",
                ncm="23091000" if goods else "",  # pet food: created in Bling's catalogue with it
            ),
        )
        total = sum((ln.quantity * ln.unit_price for ln in lines), Decimal("0"))
        return OrderRequest(
            doc_type=doc_type,
            marker=marker or f"ODOO:test:{doc_type.value}:{number}",
            reference=f"INV/2026/{number:05d}",
            customer=customer,
            lines=tuple(lines),
            installments=installments
            if installments is not None
            else (Installment(dt.date.today() + dt.timedelta(days=30), total, "PIX"),),
            issue_date=dt.date.today(),
        )

    return make


# -- pytest-odoo ------------------------------------------------------------------------------
# The project venv has pytest-odoo for the Odoo tier (tools/run_odoo_tests.py). Its autouse
# fixtures load an Odoo registry for every test session; these tests use no Odoo: no registry.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    yield
