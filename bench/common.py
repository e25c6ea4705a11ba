"""What the benchmark and the soaks share: a fresh database with the addon, Brazilian customers,
products and invoices, built through the real ORM.

Run from scripts started with ``tools/run.sh`` (virtualenv, PostgreSQL coordinates, PYTHONPATH).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dbtools  # noqa: E402

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api, fields  # noqa: E402

# One identity for the addon's modules: the bench imports them as Odoo does
# (``odoo.addons.tecpet_erp_sync.erp``), never as ``tecpet_erp_sync.erp`` from PYTHONPATH, which
# would give a second copy of every module (two ErpError classes, two rate-limiter registries).
if str(ROOT) not in odoo.addons.__path__:
    odoo.addons.__path__.append(str(ROOT))

VALID_CPFS = ("529.982.247-25", "111.444.777-35", "390.533.447-05")


def odoo_env(cr) -> api.Environment:
    return api.Environment(cr, SUPERUSER_ID, {})


def open_registry(db: str) -> odoo.modules.registry.Registry:
    """This process's Odoo registry of ``db`` (the addon installed), on the project's PostgreSQL."""
    odoo.tools.config.parse_config(
        [
            "-d",
            db,
            f"--addons-path={dbtools.ODOO_SRC / 'addons'},{ROOT}",
            f"--db_host={os.environ['PGHOST']}",
            f"--db_port={os.environ['PGPORT']}",
            f"--db_user={os.environ['PGUSER']}",
            "--log-level=critical",
        ]
    )
    return odoo.modules.registry.Registry.new(db)


def new_database(db: str, log_name: str) -> odoo.modules.registry.Registry:
    """A fresh database (no demo data) with the addon installed; returns its registry."""
    dbtools.fresh_db(db, demo=False)
    log = dbtools.CACHE / "logs" / f"{log_name}.log"
    if dbtools.odoo("-d", db, "-i", "tecpet_erp_sync", "--stop-after-init", "--without-demo=all", log=log):
        sys.exit(f"installing the addon failed; see {log}")
    registry = open_registry(db)
    with registry.cursor() as cr:
        env = odoo_env(cr)
        # The sandbox is consistent at once: no need to wait before searching for a marker.
        env["ir.config_parameter"].set_param("tecpet_erp_sync.consistency_wait", "0")
        env.ref("base.BRL").active = True
    return registry


def database_without_addon(db: str) -> odoo.modules.registry.Registry:
    """A fresh database with account and l10n_br only (call after ``new_database``, which
    configures Odoo), to compare with Odoo as it is without the addon."""
    dbtools.fresh_db(db, demo=False)
    registry = odoo.modules.registry.Registry.new(db)
    with registry.cursor() as cr:
        odoo_env(cr).ref("base.BRL").active = True
    return registry


def vhsys_integration(env, sandbox, name: str):
    return env["tecpet.erp.integration"].create(
        {
            "name": name,
            "provider": "vhsys",
            "company_id": env.ref("base.main_company").id,
            "api_url": sandbox.vhsys_url,
            "vhsys_access_token": name,
            "vhsys_secret_token": name,
            "default_payment_method": "PIX",
        }
    )


def cpf(seed: int) -> str:
    """A valid CPF (check digits computed) built from ``seed``: a customer no ERP has seen."""
    base = [int(c) for c in f"{seed:09d}"[-9:]]
    for n in (9, 10):
        base.append(sum(d * (n + 1 - i) for i, d in enumerate(base)) * 10 % 11 % 10)
    return "".join(map(str, base))


def customers(env, count: int = len(VALID_CPFS), *, seed: int | None = None):
    """Brazilian individuals with every field the ERPs need; with ``seed``, each with a CPF of
    its own (new to the ERPs), else the three of ``VALID_CPFS`` in turn."""
    return env["res.partner"].create(
        [
            {
                "name": f"Cliente {i}" if seed is None else f"Cliente novo {seed + i}",
                "vat": VALID_CPFS[i % len(VALID_CPFS)] if seed is None else cpf(seed + i),
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
            for i in range(count)
        ]
    )


def catalogue(env) -> dict[str, list]:
    """Line sets by invoice kind: services, goods, mixed (in Odoo without the addon too, for the
    posting comparison: the goods' NCM only where the addon adds the field)."""
    products = env["product.product"]
    service = products.create({"name": "Banho", "type": "service", "default_code": "SRV"})
    ncm = {"erp_ncm": "23091000"} if "erp_ncm" in products._fields else {}
    goods = products.create(
        [{"name": f"Ração {i}", "type": "consu", "default_code": f"RAC-{i}", **ncm} for i in range(3)]
    )
    return {
        "service": [service],
        "goods": [goods[0]],
        "mixed": [service, goods[1]],
        "mixed_other": [service, goods[2]],
    }


def bling_catalogue(sandbox) -> None:
    """The goods of ``catalogue`` in the sandbox's Bling catalogue, with their NCM: Bling takes a
    goods line only as a catalogue product or with its NCM."""
    for i in range(3):
        sandbox.bling.control("add_product", {"codigo": f"RAC-{i}", "nome": f"Ração {i}", "ncm": "23091000"})


def new_invoices(env, partners, line_sets: list[list], count: int, rng: random.Random, *, shuffle=False):
    """``count`` draft customer invoices in BRL, cycling through ``line_sets`` (or drawing from
    them at random with ``shuffle``)."""
    return env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "currency_id": env.ref("base.BRL").id,
                "partner_id": rng.choice(partners).id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": rng.randint(1, 3),
                            "price_unit": rng.randint(10, 300),
                            "tax_ids": [],
                        }
                    )
                    for product in (rng.choice(line_sets) if shuffle else line_sets[i % len(line_sets)])
                ],
            }
            for i in range(count)
        ]
    )
