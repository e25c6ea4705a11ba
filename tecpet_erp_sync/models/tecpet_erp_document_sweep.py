# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The read-back's sweep: documents read again although no list showed a change.

The refresh's list calls show what changes in the normal course (VHSYS: documents, receivables
and NF-e by ``data_modificacao``; Bling: orders by ``dataAlteracao``, received receivables, NF-e
emitted). What they cannot show, and so what the sweep is for (docs/performance.md):

- **watched** documents, read again after ``sweep_age_hours`` (6 h): service orders paid and
  waiting for their NFS-e (no NFS-e list is read: Bling's NFS-e carry no order link, VHSYS's
  fields are undocumented, so a note issued in the ERP's own screens shows nowhere), and error
  documents that exist in the ERP (a rejected note corrected and sent again there);
- **quiet** documents, every other state, read again after ``QUIET_FACTOR`` times as long (a
  week): only a deletion (Bling: a 404; VHSYS: a document purged from the trash) or a note
  cancelled in the ERP goes unlisted there, both rare, and Odoo re-reads at once a document a
  user acts on (a reset refused while its note is issued flags it for a re-check);
- documents flagged for a re-check (``recheck``) go first, whatever their age or state and
  whatever is left of the day's budget: someone asked for them.

Everything else is capped by a daily call budget per integration (``sweep_daily_calls``,
counted in the read-back's run row) and a number of documents per run (``sweep_limit``).
"""

import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression

from . import tecpet_erp_document_refresh as refresh
from .erp_params import number_param

SWEEP_AGE_PARAM = "tecpet_erp_sync.sweep_age_hours"
SWEEP_LIMIT_PARAM = "tecpet_erp_sync.sweep_limit"
SWEEP_DAILY_CALLS_PARAM = "tecpet_erp_sync.sweep_daily_calls"
SWEEP_DAILY_CALLS = 10_000  # default budget: a twelfth of Bling's 120,000 daily requests
QUIET_FACTOR = 28  # quiet documents are read this many times less often (6 h → a week)
CALLS_PER_READ = 3.0  # first guess of one document's read (Bling: order, receivables, note)
WATCHED_DOMAIN = [
    "|",
    ("state", "=", "error"),
    "&",
    ("doc_type", "=", "service_order"),
    ("state", "in", ("fulfilled", "awaiting_issue")),
]
SWEEP_ORDER = "recheck desc nulls last, last_sync_at asc nulls first, id"


class TecpetErpDocument(models.Model):
    _inherit = "tecpet.erp.document"

    def _erp_sweep_domain(self, integration):
        """Read-back documents of ``integration`` the sweep reads now (see the module's doc)."""
        hours = number_param(self.env, SWEEP_AGE_PARAM, 6.0, kind=float, minimum=0.0, maximum=24 * 365.0)
        now = fields.Datetime.now()
        return expression.AND(
            [
                self._read_back_domain(integration),
                expression.OR(
                    [
                        [("recheck", "=", True)],
                        [("last_sync_at", "=", False)],
                        [("last_sync_at", "<=", now - timedelta(hours=hours * QUIET_FACTOR))],
                        expression.AND(
                            [[("last_sync_at", "<=", now - timedelta(hours=hours))], WATCHED_DOMAIN]
                        ),
                    ]
                ),
            ]
        )

    @api.model
    def _erp_sweep_daily_calls(self):
        return number_param(self.env, SWEEP_DAILY_CALLS_PARAM, SWEEP_DAILY_CALLS, minimum=0, maximum=10**6)

    @api.model
    def _erp_sweep(self, integration, deadline=None, with_commit=False):
        """Read the due documents ``refresh.READ_CHUNK`` at a time, re-checks first, each chunk committed
        and its calls counted against the day's budget, until none is due, the run's share
        (``sweep_limit``) is read, the budget is spent or the time is up. Returns (documents
        changed, whether to hand the rest over to a run of its own)."""
        limit = number_param(self.env, SWEEP_LIMIT_PARAM, 100, minimum=1, maximum=10_000)
        budget = self._erp_sweep_daily_calls()
        spent = integration.sweep_calls_today
        per_read = CALLS_PER_READ
        domain = self._erp_sweep_domain(integration)
        handled, changed = [], 0
        while len(handled) < limit:
            rest = domain + [("id", "not in", handled)]
            affordable = int((budget - spent) // per_read)
            if affordable < 1:  # the day's budget is spent: only what someone asked for
                rest += [("recheck", "=", True)]
            size = min(refresh.READ_CHUNK, limit - len(handled), affordable if affordable >= 1 else limit)
            chunk = self.search(rest, order=SWEEP_ORDER, limit=size)
            if not chunk:
                return changed, False
            changes = integration._erp_client().fetch_changes(chunk._erp_refs(), None)
            changed += len(chunk._erp_apply_read_back(changes, swept=chunk))
            handled += chunk.ids
            spent += changes.calls
            per_read = max(1.0, changes.calls / len(chunk))
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            integration._erp_note_sweep(changes.calls)
            if deadline is not None and time.monotonic() > deadline and len(handled) < limit:
                return changed, self._erp_sweep_left(domain, handled, budget > spent)
        return changed, self._erp_sweep_left(domain, handled, False)

    def _erp_sweep_left(self, domain, handled, budget_left):
        """Whether due documents are left (re-checks only, when the day's budget is spent)."""
        rest = domain + [("id", "not in", handled)]
        if not budget_left:
            rest += [("recheck", "=", True)]
        return bool(self.search_count(rest, limit=1))
