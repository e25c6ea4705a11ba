# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# "application" and "installable" are spelled out on purpose, defaults or not.
# pylint: disable=manifest-superfluous-key
{
    "name": "TecPet ERP Sync",
    "summary": "Push posted invoices to VHSYS or Bling and follow them until the fiscal note is issued",
    "version": "18.0.1.2.0",
    "category": "Accounting",
    "website": "https://github.com/tecpet/tecpet_erp_sync",
    "author": "TecPet",
    "maintainers": ["tecpet"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": False,
    "installable": True,
    "depends": ["account", "l10n_br"],
    "external_dependencies": {
        "python": ["requests", "validate_docbr", "phonenumbers"],
    },
    "data": [
        "security/tecpet_erp_sync_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/mail_activity_type.xml",
        "views/tecpet_erp_document_views.xml",
        "views/tecpet_erp_integration_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/erp_wizard_views.xml",
        "data/ir_actions_server.xml",
    ],
    "demo": ["demo/demo_data.xml"],
    "assets": {
        "web.assets_backend": ["tecpet_erp_sync/static/src/**/*"],
        "web.assets_tests": ["tecpet_erp_sync/static/tests/tours/*.js"],
    },
}
