"""Run by ``odoo-bin shell`` on the test template (tools/dbtools.py ``test_template_db``).

Creates, once, the Brazilian companies with their chart of accounts that the Odoo tests'
``AccountTestInvoicingCommon`` would otherwise create and load in every test class (l10n_br's
chart takes most of a minute each time). ``tecpet_erp_sync/tests/common.py`` finds them by
their xml ids and falls back to creating its own on a database without them.
"""

# `env` is given by odoo-bin shell.
brazil = env.ref("base.br")  # noqa: F821
for name in ("company_1_data", "company_2"):
    company = env["res.company"].create(  # noqa: F821
        {"name": name, "country_id": brazil.id, "currency_id": brazil.currency_id.id}
    )
    env["account.chart.template"].try_loading("br", company=company, install_demo=False)  # noqa: F821
    company.currency_id = brazil.currency_id  # as AccountTestInvoicingCommon._create_company does
    xml_id = {"module": "__tecpet_tests__", "name": name, "model": "res.company", "noupdate": True}
    env["ir.model.data"].create({**xml_id, "res_id": company.id})  # noqa: F821
env.cr.commit()  # noqa: F821
