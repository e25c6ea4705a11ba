# The Odoo parts load only when Odoo imports the addon (as ``odoo.addons.tecpet_erp_sync``).
# ``erp/`` (clients, validation, mapping) and ``sandbox/`` are plain Python: importing them from
# scripts and tests must not require Odoo.
if __name__.startswith("odoo.addons."):
    from . import controllers, models, wizard
