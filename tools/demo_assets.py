"""Run by tools/dbtools.py inside `odoo-bin shell` when it builds the demo template: generate the
asset bundles of the login page and of the web client, so the demo's first page is served at once
instead of after the seconds it takes to build them (they are attachments: copies keep them)."""
# ruff: noqa: F821 - `env` is provided by odoo-bin shell

BUNDLES = {
    "web.assets_frontend": ("css", "js"),
    "web.assets_frontend_minimal": ("js",),
    "web.assets_frontend_lazy": ("js",),
    "web.assets_web": ("css", "js"),
    "web.assets_web_print": ("css",),
}
for name, kinds in BUNDLES.items():
    bundle = env["ir.qweb"]._get_asset_bundle(name, css="css" in kinds, js="js" in kinds)
    for kind in kinds:
        getattr(bundle, kind)()
env.cr.commit()
