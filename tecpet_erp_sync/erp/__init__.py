"""Plain-Python heart of the addon: ERP clients, customer validation and state mapping.

Nothing in this package imports ``odoo``: the Odoo models hand it plain data and get plain
results back, so it is fast to test and can be used from scripts and the ERP sandbox.
"""
