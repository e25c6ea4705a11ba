# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# pylint: disable=consider-merging-classes-inherited
"""The integration's fiscal-note settings: VHSYS's NFS-e draft (environment, series, nature,
regime, place of service, seller), and what switching "Issue fiscal notes" on does to the
documents already paid (nothing, unless the administrator asks: defect-review-2 N15)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

READY_STATES = ("fulfilled", "awaiting_issue")


class TecpetErpIntegration(models.Model):
    _inherit = "tecpet.erp.integration"

    vhsys_nfse_environment = fields.Selection(
        [("homologation", "Homologation (test)"), ("production", "Production")],
        string="NFS-e Environment",
        default="homologation",
        required=True,
        tracking=True,
        help="Where VHSYS issues the NFS-e (ambiente). Homologation is the city hall's test environment: "
        "its notes are not fiscal notes, and a document whose note was issued there is never shown as "
        "Issued. Switch to Production once a test note came out right.",
    )
    vhsys_nfse_series = fields.Selection(
        [(str(n), str(n)) for n in range(1, 10)],
        string="NFS-e Series",
        default="1",  # the usual first series; notes go to homologation until Production is chosen
        help="The RPS series of the company's NFS-e (serie_nota, 1 to 9), as set up in VHSYS's NFS-e "
        "settings and registered with the city hall. Required before a note is requested.",
    )
    vhsys_nfse_nature = fields.Selection(
        [
            ("1", "Taxed in the city"),
            ("2", "Taxed outside the city"),
            ("3", "Exempt"),
            ("4", "Immune"),
            ("5", "ISS suspended by a court decision"),
        ],
        string="NFS-e Nature of Operation",
        default="1",
        help="How the ISS of the services is due (natureza_pedido). Most clinics: taxed in the city. "
        "Ask the accountant when unsure. Required before a note is requested.",
    )
    vhsys_nfse_regime = fields.Selection(
        [("1", "Simples Nacional"), ("2", "Normal taxation")],
        string="NFS-e Tax Regime",
        help="The company's tax regime on the note (regime_pedido). Empty: VHSYS's own setting.",
    )
    vhsys_nfse_place = fields.Selection(
        [("0", "At the company"), ("1", "At the customer"), ("2", "At a third party"), ("9", "Elsewhere")],
        string="NFS-e Place of Service",
        help="Where the services are provided (local_prestacao): it decides which city the ISS is due "
        "to. Empty: VHSYS's own setting.",
    )
    vhsys_nfse_place_city = fields.Char(
        string="NFS-e City of Service",
        size=60,
        help="The city where the services are provided (local_prestacao_cidade), as VHSYS spells it, "
        "e.g. Campinas. Empty: VHSYS's own setting.",
    )
    vhsys_nfse_seller = fields.Char(
        string="NFS-e Seller",
        help="The seller (vendedor_pedido) named on the note, exactly as in VHSYS (Cadastros → "
        "Vendedores); two sources say VHSYS requires one. Check account lists the account's sellers.",
    )
    vhsys_nfse_seller_id = fields.Char(
        string="NFS-e Seller ID",
        help="The seller's id in VHSYS (vendedor_pedido_id), when VHSYS asks for it. Check account "
        "lists the account's sellers.",
    )
    issue_notes_for_past = fields.Boolean(
        string="Also for Documents Already Paid",
        copy=False,
        help="When Issue fiscal notes is switched on: also request the notes of the documents that are "
        "already paid. Off by default: ERP staff may have issued those notes in the ERP's own screens, "
        "and a second municipal note would be issued for each.",
    )
    past_note_document_count = fields.Integer(
        string="Documents Already Paid Without a Note",
        compute="_compute_past_note_document_count",
        help="Documents already paid, without a fiscal note requested by Odoo.",
    )

    def _compute_past_note_document_count(self):
        groups = self.env["tecpet.erp.document"]._read_group(
            [
                ("integration_id", "in", self.ids),
                ("state", "in", READY_STATES),
                ("note_requested", "=", False),
            ],
            ["integration_id"],
            ["__count"],
        )
        counts = {integration.id: count for integration, count in groups}
        for integration in self:
            integration.past_note_document_count = counts.get(integration.id, 0)

    @api.onchange("issue_fiscal_notes")
    def _onchange_issue_fiscal_notes(self):
        if not (self.issue_fiscal_notes and self._origin.id and not self._origin.issue_fiscal_notes):
            return None
        count = self._origin.past_note_document_count
        if not count:
            return None
        return {
            "warning": {
                "title": self.env._("Documents already paid"),
                "message": self.env._(
                    "%(count)s documents are already paid without a fiscal note. Their notes are not "
                    "requested unless you tick Also for Documents Already Paid: ERP staff may have issued "
                    "them in the ERP's own screens.",
                    count=count,
                ),
            }
        }

    @api.constrains("vhsys_nfse_seller_id")
    def _check_vhsys_nfse_seller_id(self):
        for integration in self:
            if integration.vhsys_nfse_seller_id and not integration.vhsys_nfse_seller_id.strip().isdigit():
                raise ValidationError(
                    self.env._("The NFS-e seller ID is the number VHSYS gives the seller (digits only).")
                )

    def write(self, vals):
        switched_on = self.browse()
        if vals.get("issue_fiscal_notes"):
            switched_on = self.filtered(lambda i: not i.issue_fiscal_notes)
        result = super().write(vals)
        for integration in switched_on:
            integration._erp_notes_switched_on()
        return result

    def _erp_notes_switched_on(self):
        """Issue fiscal notes was just switched on: the documents already paid get their note only
        when the administrator asked for it; else they never do on their own (the read-back would
        otherwise request each at its next look), and the question is asked afresh next time."""
        self.ensure_one()
        ready = (
            self.env["tecpet.erp.document"]
            .sudo()
            .search(
                [
                    ("integration_id", "=", self.id),
                    ("state", "in", READY_STATES),
                    ("note_requested", "=", False),
                ]
            )
        )
        if self.issue_notes_for_past:
            ready._erp_request_note_if_ready()
        else:
            ready.write({"note_requested": True})
        self.issue_notes_for_past = False

    def _client_settings(self):
        settings = super()._client_settings()
        settings.update(
            {
                "vhsys_nfse_environment": self.vhsys_nfse_environment or "homologation",
                "vhsys_nfse_series": self.vhsys_nfse_series or "",
                "vhsys_nfse_nature": self.vhsys_nfse_nature or "",
                "vhsys_nfse_regime": self.vhsys_nfse_regime or "",
                "vhsys_nfse_place": self.vhsys_nfse_place or "",
                "vhsys_nfse_place_city": (self.vhsys_nfse_place_city or "").strip(),
                "vhsys_nfse_seller": (self.vhsys_nfse_seller or "").strip(),
                "vhsys_nfse_seller_id": (self.vhsys_nfse_seller_id or "").strip(),
            }
        )
        return settings
