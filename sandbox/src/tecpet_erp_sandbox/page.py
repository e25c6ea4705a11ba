"""A tiny web page to look at the sandbox and act on it: pay, mark ready, issue, cancel, faults."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .emulator import DOCUMENT_ACTIONS
from .faults import FAULTS

if TYPE_CHECKING:
    from .server import SandboxServer


def _button(action: str, provider: str, doc: dict) -> str:
    return (
        f'<form method="post" action="/_control/{action}" style="display:inline">'
        f'<input type="hidden" name="provider" value="{provider}">'
        f'<input type="hidden" name="doc_type" value="{escape(str(doc["doc_type"]))}">'
        f'<input type="hidden" name="id" value="{escape(str(doc["id"]))}">'
        f'<input type="hidden" name="redirect" value="1">'
        f'<button type="submit">{action}</button></form>'
    )


def _fault_rules(server: SandboxServer) -> str:
    """The fault rules still active, and a button that clears them all."""
    rules = [r for r in server.faults.rules if r.count != 0]
    rows = "".join(
        f"<tr><td>{r.id}</td><td>{escape(r.fault)}</td><td>{escape(r.provider)}</td>"
        f"<td>{escape(r.method)}</td><td>{escape(r.path)}</td>"
        f"<td>{'until cleared' if r.count < 0 else r.count}</td><td>{r.hits}</td></tr>"
        for r in rules
    )
    table = (
        "<table class='faults'><tr><th>id</th><th>fault</th><th>provider</th><th>method</th><th>path</th>"
        f"<th>left</th><th>hits</th></tr>{rows}</table>"
        if rules
        else "<p>No fault rule active.</p>"
    )
    clear = (
        "<form method='post' action='/_control/clear_faults'><input type='hidden' name='redirect' value='1'>"
        "<button>clear faults</button></form>"
    )
    return table + clear


def render_page(server: SandboxServer) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>ERP sandbox</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}tr:target{background:#ffd}</style></head><body>",
        f"<h1>ERP sandbox</h1><p>VHSYS v2: <code>{escape(server.vhsys_url)}</code> &nbsp; "
        f"Bling v3: <code>{escape(server.bling_url)}</code></p>",
        f"<p>Latency: {server.latency * 1000:.0f} ms · faults injected: {server.faults.injected}</p>",
        "<form method='post' action='/_control/latency'><input type='hidden' name='redirect' value='1'>"
        "Latency (ms) <input name='ms' size='5'> <button>set</button></form>",
        "<form method='post' action='/_control/faults'><input type='hidden' name='redirect' value='1'>"
        "Inject <select name='fault'>"
        + "".join(f"<option value='{f}' title='{escape(d)}'>{f}</option>" for f, d in FAULTS.items())
        + "</select> on <select name='provider'><option>*</option>"
        "<option>vhsys</option><option>bling</option>"
        "</select> path regex <input name='path' size='20'> count "
        "<input name='count' type='number' min='-1' value='1' size='3'> (-1: until cleared)"
        " <button>add</button></form>",
        _fault_rules(server),
    ]
    for name, emulator in server.emulators.items():
        docs = emulator.snapshot().get("documents", [])
        parts.append(
            f"<h2>{escape(name)}</h2><table><tr><th>type</th><th>id</th><th>number</th>"
            "<th>marker</th><th>customer</th><th>total</th><th>status</th><th>paid</th>"
            "<th>note</th><th></th></tr>"
        )
        for doc in docs:
            cells = "".join(
                f"<td>{escape(str(doc.get(k, '')))}</td>"
                for k in ("doc_type", "id", "number", "marker", "customer", "total", "status", "paid", "note")
            )
            buttons = " ".join(_button(a, name, doc) for a in DOCUMENT_ACTIONS)
            # The anchor "Open in ERP" links to, for an integration pointing at the sandbox.
            anchor = escape(f"{name}-{doc.get('doc_type', '')}-{doc.get('id', '')}")
            parts.append(f"<tr id='{anchor}'>{cells}<td>{buttons}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
