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


def render_page(server: SandboxServer) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>ERP sandbox</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>",
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
        "</select> path regex <input name='path' size='20'> count <input name='count' value='1' size='3'>"
        " <button>add</button></form>",
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
            parts.append(f"<tr>{cells}<td>{buttons}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
