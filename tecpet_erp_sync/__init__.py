# The Odoo parts load only when Odoo imports the addon (as ``odoo.addons.tecpet_erp_sync``).
# ``erp/`` (clients, validation, mapping) is plain Python: importing it from scripts and tests
# must not require Odoo. The ERP sandbox is a distribution of its own (``sandbox/`` in the repository).
if __name__.startswith("odoo.addons."):
    from . import controllers, models, wizard
