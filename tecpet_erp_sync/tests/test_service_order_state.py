# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

EXPECTED_STATES = {
    "processing": "Processing",
    "open": "Open",
    "fulfilled": "Fulfilled",
    "awaiting_issue": "Awaiting Issue",
    "issued": "Issued",
    "canceled": "Canceled",
    "error": "Error",
}


@tagged("post_install", "-at_install")
class TestServiceOrderStateField(TransactionCase):
    def test_field_has_the_states_of_the_spec(self):
        """PRODUCT.md 2.2: seven keys plus empty ("—"), stored, indexed, not copied (and not tracked:
        test_odoo_correctness.TestInvoiceChatter)."""
        field = self.env["account.move"]._fields["service_order_state"]
        self.assertEqual(field.type, "selection")
        self.assertEqual(dict(field.selection), EXPECTED_STATES)
        self.assertTrue(field.store)
        self.assertTrue(field.index)
        self.assertFalse(field.copy)

    def test_empty_state_is_outside_the_flow(self):
        """A draft invoice has no state: the column's widget shows "—" for it (see the tour)."""
        move = self.env["account.move"].create({"move_type": "out_invoice"})
        self.assertFalse(move.service_order_state)

    def test_column_is_in_the_invoice_list(self):
        arch = self.env["account.move"].get_view(self.env.ref("account.view_out_invoice_tree").id, "list")[
            "arch"
        ]
        self.assertIn('widget="service_order_badge"', arch)
