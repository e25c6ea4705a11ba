# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared setup: a Brazilian company, an integration pointing at the ERP sandbox over loopback
HTTP (started once per class on a free port), valid and invalid customers, products."""

from datetime import timedelta

from tecpet_erp_sandbox.server import SandboxServer

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

VALID_CPF = "529.982.247-25"
VALID_CNPJ = "11.222.333/0001-81"
BAD_CPF = "123.456.789-00"


def load_pt_br(env):
    """pt_BR active with the addon's .po loaded, as installing the language would (the test
    database is installed in en_US only)."""
    env["res.lang"]._activate_lang("pt_BR")
    env["ir.module.module"]._load_module_terms(["tecpet_erp_sync"], ["pt_BR"], overwrite=True)
    env.registry.clear_cache()


def customer_values(env, name, document, is_company=False, **extra):
    """A Brazilian customer with a complete address; ``extra`` overrides any value."""
    is_cnpj = len("".join(c for c in document if c.isdigit())) == 14
    return {
        "name": name,
        "is_company": is_company,
        "vat": document,
        "l10n_latam_identification_type_id": env.ref("l10n_br.cnpj" if is_cnpj else "l10n_br.cpf").id,
        "country_id": env.ref("base.br").id,
        "state_id": env.ref("base.state_br_sp").id,
        "street_name": "Rua das Flores",
        "street_number": "123",
        "street2": "Centro",
        "city": "São Paulo",
        "zip": "01001-000",
        "phone": "+55 11 98765-4321",
        "email": "cliente@example.com",
        **extra,
    }


class ErpSyncCommon(AccountTestInvoicingCommon):
    provider = "vhsys"

    @classmethod
    @AccountTestInvoicingCommon.setup_country("br")
    def setUpClass(cls):
        super().setUpClass()
        if not getattr(cls, "registry_test_mode", False):  # HttpCase enters it itself
            # The token store and the shared rate limit commit on cursors of their own
            # (``registry.cursor()``). In test mode those are savepoints of the test's transaction,
            # as in an HttpCase: they see the test's rows, and nothing they write outlives the test.
            cls.registry.enter_test_mode(cls.cr)
            cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.sandbox = SandboxServer.start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.consistency_wait", "0")
        cls.company = cls.company_data["company"]
        cls.integration = cls._create_integration(cls.company, cls.provider)
        cls.customer = cls._create_customer("Maria da Silva", VALID_CPF)
        cls.company_customer = cls._create_customer("Pet Shop Amigo Ltda", VALID_CNPJ, is_company=True)
        cls.bad_customer = cls._create_customer("João Sem Documento", BAD_CPF)
        cls.service = cls.env["product.product"].create(
            {"name": "Banho e tosa", "type": "service", "default_code": "SRV-BANHO", "list_price": 80.0}
        )
        cls.goods = cls.env["product.product"].create(
            {
                "name": "Ração 10kg",
                "type": "consu",
                "default_code": "RAC-10",
                "list_price": 150.0,
                "erp_ncm": "23091000",  # dog food: an NF-e needs the goods' NCM
            }
        )

    @classmethod
    def setup_independent_company(cls, **kwargs):
        return (not kwargs and cls._prepared_company("company_1_data")) or super().setup_independent_company(
            **kwargs
        )

    @classmethod
    def setup_other_company(cls, **kwargs):
        company = not kwargs and cls._prepared_company("company_2")
        if not company:
            return super().setup_other_company(**kwargs)
        return cls.collect_company_accounting_data(company)

    @classmethod
    def _prepared_company(cls, name):
        """The company of that name with l10n_br's chart, prepared once in the test template
        (tools/test_companies.py) instead of a chart loaded in every class. None on a database
        without it: the standard setup then creates one."""
        company = cls.env.ref(f"__tecpet_tests__.{name}", raise_if_not_found=False)
        if company:
            cls.env.user.company_ids = [Command.link(company.id)]  # as _create_company does
        return company

    @classmethod
    def _create_integration(cls, company, provider):
        vals = {
            "name": f"{provider} sandbox",
            "provider": provider,
            "company_id": company.id,
            "api_url": cls.sandbox.vhsys_url if provider == "vhsys" else cls.sandbox.bling_url,
            "default_payment_method": "PIX",
        }
        if provider == "vhsys":
            vals.update({"vhsys_access_token": "test-access", "vhsys_secret_token": "test-secret"})
            # an account whose NFS-e settings are done, past its homologation tests (the sandbox's seller)
            vals.update(
                vhsys_nfse_environment="production",
                vhsys_nfse_series="1",
                vhsys_nfse_nature="1",
                vhsys_nfse_seller="Vendedor Sandbox",
            )
        else:
            vals.update({"bling_client_id": "sandbox-client", "bling_client_secret": "sandbox-secret"})
        return cls.env["tecpet.erp.integration"].create(vals)

    @classmethod
    def _create_customer(cls, name, document, is_company=False, **extra):
        return cls.env["res.partner"].create(customer_values(cls.env, name, document, is_company, **extra))

    def _invoice(self, partner=None, lines=None, post=True, company=None):
        """A customer invoice; ``lines`` is a list of (product, quantity, price)."""
        lines = lines or [(self.service, 1, 80.0)]
        return self._lines_invoice(
            [
                {"product_id": product.id, "quantity": qty, "price_unit": price}
                for product, qty, price in lines
            ],
            post=post,
            company_id=(company or self.company).id,
            partner_id=(partner or self.customer).id,
        )

    def _lines_invoice(self, lines, post=True, **values):
        """A customer invoice of the main customer dated today: ``lines`` are dicts of invoice line
        values (no taxes unless they say), ``values`` the invoice's own."""
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create({"tax_ids": [Command.clear()], **line}) for line in lines
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    def setUp(self):
        super().setUp()
        self._reset_sandbox()

    def _reset_sandbox(self):
        """An empty ERP: also forget the ERP ids the cached clients remember (customers...)."""
        cache = self.env.cr.cache
        for key in [k for k in cache if isinstance(k, tuple) and k[0] == "tecpet_erp_sync.client"]:
            del cache[key]
        self.sandbox.reset()
        if self.provider == "bling":  # a Bling shop's goods are in its catalogue, with their NCM
            self.sandbox.bling.control(
                "add_product", {"codigo": "RAC-10", "nome": "Ração 10kg", "ncm": "23091000"}
            )

    def _connect_bling(self, **values):
        """The Bling integration connected to the sandbox's account (the OAuth dance is TestBling's
        business), without the account's rate limit (the read-back is not the client's)."""
        self.sandbox.bling.control("rate_limit", {"enabled": 0})
        issued = self.sandbox.bling.control("issue_tokens", {})
        self.integration.sudo().write(
            {
                "bling_access_token": issued["access_token"],
                "bling_refresh_token": issued["refresh_token"],
                "bling_token_expires_at": fields.Datetime.now() + timedelta(hours=6),
                **values,
            }
        )
        if self.integration.auth_failed:  # new tokens on an integration with documents: as Connect,
            self.integration._erp_check_connection()  # check they open the documents' account

    def assertServiceOrderState(self, move, state):
        """Like assertEqual on the state, but a failure shows the documents' errors."""
        errors = "; ".join(f"{d.doc_type}: {d.state} {d.error_message or ''}" for d in move.erp_document_ids)
        self.assertEqual(move.service_order_state, state, f"documents: {errors}")

    def _issued(self, partner=None, lines=None):
        """An invoice sent, then paid and its note issued in the ERP (as its staff do in its own
        screens) and read back as Issued: (the invoice, its one document)."""
        move = self._invoice(partner=partner, lines=lines)
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay", "ready", "issue")
        self._run_refresh()
        self.assertServiceOrderState(move, "issued")
        return move, doc

    def _paid(self, lines=None):
        """An invoice sent, paid in the ERP and read back: (the invoice, its one document)."""
        move = self._invoice(lines=lines)
        self._run_push()
        doc = move.erp_document_ids
        self._erp_act(doc, "pay")
        self._run_refresh()
        return move, doc

    def _paid_with_note_to_issue(self, lines=None):
        """With "Issue fiscal notes" on: an invoice sent, paid in the ERP and read back, whose one
        document now asks the push job to issue its note."""
        self.integration.issue_fiscal_notes = True
        move, doc = self._paid(lines)
        self.assertEqual(doc.pending_action, "issue")
        return move, doc

    def _erp_act(self, doc, *actions):
        """Act in the sandbox as an ERP user would: pay, ready, issue, cancel."""
        for action in actions:
            self.sandbox.control(
                action, {"provider": self.provider, "doc_type": doc.doc_type, "id": doc.external_id}
            )

    def _run_push(self):
        self.env["tecpet.erp.document"]._push_batch(batch_size=100)
        self.env.invalidate_all()

    def _run_refresh(self):
        self.env["tecpet.erp.document"]._refresh_integration(self.integration)
        self.env.invalidate_all()
