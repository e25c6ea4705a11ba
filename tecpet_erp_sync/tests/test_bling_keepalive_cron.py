# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bling's connection kept alive (issue 22 point 1), through the cron: an idle integration whose
refresh token would lapse soon in (sandbox) Bling is renewed, the form shows when, and an
administrator is alerted when the renewal is refused or keeps failing near the lapse."""

import time
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import ErpSyncCommon

DAY = 86400


@tagged("post_install", "-at_install")
class TestBlingKeepAlive(ErpSyncCommon):
    provider = "bling"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env, login="erp_keepalive_admin", groups="base.group_system", company_id=cls.company.id
        )
        cls.cron = cls.env.ref("tecpet_erp_sync.ir_cron_bling_keepalive")

    def setUp(self):
        super().setUp()
        self.sandbox.bling.control("rate_limit", {"enabled": 0})
        self._connect(days_ago=20)

    def _connect(self, days_ago):
        """Tokens from (sandbox) Bling, issued ``days_ago`` days ago as far as Odoo knows."""
        issued = self.sandbox.bling.control("issue_tokens", {})
        self.integration.sudo().write(
            {
                "bling_access_token": issued["access_token"],
                "bling_refresh_token": issued["refresh_token"],
                "bling_token_expires_at": fields.Datetime.now() + timedelta(seconds=issued["expires_in"]),
            }
        )
        self._age(days_ago)
        return issued

    def _age(self, days):
        token = self.integration.sudo().bling_token_ids
        token.refreshed_at = fields.Datetime.now() - timedelta(days=days) if days is not None else False
        token.flush_recordset()
        self.integration.invalidate_recordset()

    def _oauth(self):
        return self.sandbox.control("state", {})["bling"]["oauth"]

    def _alerts(self):
        kind = self.env.ref("tecpet_erp_sync.activity_type_erp_bling_renewal")
        return self.integration.activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def _run_keepalive(self):
        self.cron.method_direct_trigger()
        self.integration.invalidate_recordset()

    def test_an_idle_connection_is_renewed_before_it_lapses(self):
        old = self.integration.sudo().bling_refresh_token
        self.assertEqual(
            self.integration.bling_refresh_lapses_at.date(),
            (fields.Datetime.now() + timedelta(days=10)).date(),
            "the form shows when it would lapse",
        )
        # In Bling, the refresh token lapses in three days if nothing uses it.
        self.sandbox.bling.control("expire_refresh_tokens", {"seconds": 3 * DAY})
        self._run_keepalive()
        self.assertEqual(self._oauth()["refreshes"], 1)
        integration = self.integration.sudo()
        self.assertNotEqual(integration.bling_refresh_token, old, "Bling rotated it; the new one is kept")
        self.assertAlmostEqual(
            integration.bling_refreshed_at.timestamp(), fields.Datetime.now().timestamp(), delta=60
        )
        self.assertEqual(
            integration.bling_refresh_lapses_at - integration.bling_refreshed_at, timedelta(days=30)
        )
        self.assertFalse(integration.bling_keepalive_message)
        self.assertFalse(self._alerts())
        # The renewed pair works: an invoice goes to Bling with it.
        move = self._invoice()
        self._run_push()
        self.assertServiceOrderState(move, "open")

    def test_a_connection_just_made_is_renewed_too(self):
        """Bling never says when a refresh token lapses: the daily run renews even a young one
        (the sandbox can make one lapse within minutes), one call a day."""
        self.sandbox.bling.control("expire_refresh_tokens", {"seconds": 300})
        self._run_keepalive()
        self.assertEqual(self._oauth()["refreshes"], 1)

    def test_a_connection_renewed_fewer_days_ago_than_set_costs_no_call(self):
        self.env["ir.config_parameter"].sudo().set_param("tecpet_erp_sync.bling_keepalive_days", "5")
        self._age(2)
        self._run_keepalive()
        self.assertEqual(self._oauth()["token_calls"], 0)

    def test_a_refused_renewal_alerts_then_a_reconnection_closes_the_alert(self):
        self.integration.alert_user_id = self.responsible
        self._age(29)
        self.sandbox.bling.control("expire_refresh_tokens", {"seconds": 0})  # lapsed in Bling
        self._run_keepalive()
        alert = self._alerts()
        self.assertEqual(alert.user_id, self.responsible)
        self.assertIn("Connect to Bling", alert.note)
        self.assertIn("Bling refused the refresh token", self.integration.bling_keepalive_message)
        self._run_keepalive()
        self.assertEqual(len(self._alerts()), 1, "one alert, not one per day")

        self._connect(days_ago=None)  # Connect to Bling again (age unknown: renewed at once)
        self._run_keepalive()
        self.assertFalse(self._alerts(), "marked done once renewed")
        self.assertFalse(self.integration.bling_keepalive_message)
        self.assertTrue(self.integration.bling_refreshed_at)

    def test_without_a_responsible_the_administrators_are_alerted(self):
        self.integration.alert_user_id = False
        self._age(29)
        self.sandbox.bling.control("expire_refresh_tokens", {"seconds": 0})
        self._run_keepalive()
        users = self._alerts().user_id
        self.assertIn(self.responsible, users)
        self.assertTrue(all(user.has_group("base.group_system") for user in users))
        self.assertNotIn(self.env.ref("base.user_root"), users)

    def test_a_failing_renewal_alerts_only_when_the_lapse_is_near(self):
        self.integration.alert_user_id = self.responsible
        spec = {"fault": "server_error", "provider": "bling", "path": "/oauth/token", "count": -1}
        self.sandbox.control("faults", spec)
        self._run_keepalive()  # 20 days old: 10 days left, tried again tomorrow
        self.assertTrue(self.integration.bling_keepalive_message)
        self.assertFalse(self._alerts())
        self._age(25)  # 5 days left
        self._run_keepalive()
        self.assertIn("lapses on", self._alerts().note)
        self.sandbox.control("clear_faults", {})
        self._run_keepalive()
        self.assertFalse(self._alerts())
        self.assertLess(time.time() - self.integration.bling_refreshed_at.timestamp(), 60)
