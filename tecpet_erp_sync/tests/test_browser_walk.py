# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What walking `make demo` in Chromium after this round's changes found (issue 22 point 7, second
walk): each checked through the view or action the clerk or administrator used."""

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import ErpSyncCommon


@tagged("post_install", "-at_install")
class TestSecondBrowserWalk(ErpSyncCommon):
    def _user(self, login, groups):
        return new_test_user(self.env, login=login, groups=groups, company_id=self.company.id)

    def test_every_invoicing_user_reaches_the_products_fiscal_codes_once(self):
        """Odoo shows the product's Accounting tab only with "Show Accounting Features": in a plain
        Invoicing database neither a billing user nor its administrator would see the NCM and
        NFS-e service code there."""
        for login, groups in (
            ("faturista", "base.group_user,account.group_account_invoice"),
            ("gerente", "base.group_user,account.group_account_manager"),
            ("contador", "base.group_user,account.group_account_manager,account.group_account_user"),
        ):
            user = self._user(login, groups)
            arch = self.env["product.template"].with_user(user).get_view(view_type="form")["arch"]
            form = etree.fromstring(arch)
            for name in ("erp_ncm", "erp_service_code"):
                self.assertEqual(len(form.xpath(f"//field[@name='{name}']")), 1, f"{login}: {name}")
