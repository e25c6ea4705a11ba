"""`make demo`'s data in motion (tools/demo_serve.py calls ``seed`` before serving): post the demo
invoices, send them to the ERP sandbox, then act in the sandbox as an ERP user would (pay, mark
ready, issue, cancel) and read it back, so the Invoices list shows every state of the Service
Order column."""

import json
import urllib.request


def seed(env, sandbox):
    """Drive the demo invoices of ``env``'s database through every state, against the ERP sandbox
    at ``sandbox`` (its base URL); commits."""

    def control(action, **params):
        request = urllib.request.Request(
            f"{sandbox}/_control/{action}",
            data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    Move = env["account.move"]
    Document = env["tecpet.erp.document"]
    integration = env.ref("tecpet_erp_sync.demo_integration")
    # The sandbox of this run (`make demo SANDBOX_PORT=...`), not the demo data's default port: set
    # before anything is sent, since an integration with documents keeps its API URL.
    integration.api_url = f"{sandbox}/vhsys/v2"
    invoices = {
        m.ref.removeprefix("DEMO-"): m
        for m in Move.search([("ref", "like", "DEMO-%"), ("state", "=", "draft")])
    }
    for key, move in invoices.items():
        if key != "processing":
            move.action_post()
    Document._push_batch(batch_size=100, with_commit=True)
    env.invalidate_all()

    def act(key, *actions):
        for doc in invoices[key].erp_document_ids:
            for action in actions:
                control(action, provider="vhsys", doc_type=doc.doc_type, id=doc.external_id)

    act("fulfilled", "pay")
    act("awaiting_issue", "pay", "ready")
    act("issued", "pay", "ready", "issue")
    act("issued_goods", "pay", "ready", "issue")
    Document._refresh_integration(integration)

    invoices["canceled"].button_draft()
    invoices["canceled"].button_cancel()
    Document._push_batch(batch_size=100, with_commit=True)

    # `make demo` opens on the BR Company, whose invoices these are. The module's demo data leaves
    # base.user_admin alone (a shared demo database serves other addons too): only this database is set.
    env.ref("base.user_admin").company_id = env.ref("base.demo_company_br")

    # One invoice stays "Processing": posted now, the job sends it when Odoo starts.
    invoices["processing"].action_post()
    env.cr.commit()
    env.invalidate_all()
    for key, move in sorted(invoices.items()):
        print(f"{move.name:20} {key:16} {move.service_order_state}", flush=True)
