"""Every request the Bling client sends, checked against Bling's official OpenAPI document.

The document (bling-openapi.json, pinned by commit and checksum) is put in the cache folder by
``make setup`` (tools/ensure_openapi.sh); it is never committed. A realistic run of the client
against the sandbox (services, goods and mixed invoices, adoption, read-back, fiscal notes,
cancellations, contacts, products) is recorded as the sandbox receives it, OAuth aside. Each
request is checked for:

- a path and method the document declares;
- its query: every parameter declared, the required ones present, each value of its schema;
- its body: the request schema (``openapi-schema-validator``, required fields included) and no
  field the schema does not declare;

and each answer of the sandbox against the operation's response schema, so that the emulator
cannot drift from the document either. Where the document itself is wrong, ``ALLOWED`` says
so, one entry each with the reason.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from tecpet_erp_sandbox.wire import Request

from tecpet_erp_sync.erp import mapping
from tecpet_erp_sync.erp.contract import DocRef, DocType, Installment
from tecpet_erp_sync.erp.errors import DataError

SHA256 = "512403d1ebabf2fa6440319ec27ea1c2fc6a37d1c70663dcc89761c2c7ddaef4"  # as in tools/ensure_openapi.sh
CACHE_DIR = Path(
    os.environ.get("TECPET_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tecpet_erp_sync"
)
SPEC_FILE = CACHE_DIR / "bling-openapi.json"

# The one allow-list: problems found that are not ours, each with the reason (a regular
# expression on the problem's text). An entry the run no longer needs fails the test (stale).
ALLOWED = {
    r"^\w+ /pedidos/vendas\S*:? .*itens/\d+: '(id|valorLista)' is a required property$": (
        "document bug: VendasItemDTO requires its read-only id, and valorLista, which it never declares"
    ),
    r"^POST /pedidos/vendas: body parcelas/\d+: 'id' is a required property$": (
        'document bug: VendasParcelaDTO requires its id, "Ignorado no método POST" by its own description '
        "(the PUT sends it)"
    ),
    r"^\w+ .* → 4\d\d \(root\): '(error\.type|message|description)' is a required property$": (
        "document bug: ErrorResponse requires error.type, message and description at its root, where it "
        "declares only error (they are the fields of Error)"
    ),
    r"^GET /contas/receber: query parameter situacoes\[\]=.*is not one of \[1, 2, 3, 4, 5\]$": (
        "document bug: the enum of situacoes[] is put on the array instead of its items"
    ),
    r"^GET /nfe/\{idNotaFiscal\} → 200 data: '(data|valor)' is a required property$": (
        "document bug: NotasFiscaisDadosGetDTO requires data and valor, which it does not declare (its "
        "parcelas have them)"
    ),
}


# -- the document -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_FILE.is_file():
        pytest.fail(
            f"Bling's OpenAPI document is missing: {SPEC_FILE}. Run `make setup` (it runs "
            "tools/ensure_openapi.sh, which fetches the pinned file) and run the tests again.",
            pytrace=False,
        )
    raw = SPEC_FILE.read_bytes()
    if hashlib.sha256(raw).hexdigest() != SHA256:
        pytest.fail(
            f"{SPEC_FILE} is not the pinned Bling OpenAPI document (sha256 differs): delete it and run "
            "`make setup`.",
            pytrace=False,
        )
    return json.loads(raw)


def resolve(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """``node`` with every ``$ref`` replaced by what it points to."""
    if depth > 40:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(document, target, depth + 1)
        return {k: resolve(document, v, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(document, v, depth + 1) for v in node]
    return node


def operation(document: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(template, operation, path values) of a request; literal segments win over parameters."""
    candidates = []
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        found = re.match(pattern, path)
        if found and method.lower() in item:
            candidates.append((template.count("{"), template, item, found.groupdict()))
    if not candidates:
        return "", {}, {}
    _params, template, item, values = min(candidates)
    op = dict(item[method.lower()])
    op["parameters"] = item.get("parameters", []) + op.get("parameters", [])
    return template, resolve(document, op), values


def _coerce(schema: dict[str, Any], value: str) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "boolean":
            return {"true": True, "false": False}.get(value.lower(), value)
    except ValueError:
        return value
    return value


def declared(schema: dict[str, Any]) -> dict[str, Any]:
    props = dict(schema.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            props.update(declared(sub))
    return props


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    if "items" in schema:
        return schema["items"]
    for sub in schema.get("allOf") or []:
        if "items" in sub:
            return sub["items"]
    return {}


def undeclared(schema: dict[str, Any], value: Any, where: str) -> list[str]:
    """Fields of ``value`` that ``schema`` does not declare (the document never says
    ``additionalProperties``, so the validator alone would let any name through)."""
    found: list[str] = []
    if isinstance(value, dict):
        props = declared(schema)
        if not props:
            return found
        for key, inner in value.items():
            if key not in props:
                found.append(f"{where}.{key}")
            else:
                found += undeclared(props[key], inner, f"{where}.{key}")
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            found += undeclared(_items(schema), inner, f"{where}[{n}]")
    return found


def request_problems(document: dict[str, Any], method: str, path: str, query: dict, body: Any) -> list[str]:
    template, op, path_values = operation(document, method, path)
    if not op:
        return [f"{method} {path}: no such operation in the document"]
    problems = []
    params = {(p["in"], p["name"]): p for p in op["parameters"]}
    for (where, name), param in params.items():
        if param.get("required") and where == "query" and name not in query:
            problems.append(f"query parameter {name} is required")
    for name, values in {**{k: [v] for k, v in path_values.items()}, **query}.items():
        where = "path" if name in path_values else "query"
        param = params.get((where, name))
        if param is None:
            problems.append(f"{where} parameter {name} is not declared")
            continue
        schema = param.get("schema") or {}
        value: Any = (
            [_coerce(_items(schema), v) for v in values]
            if schema.get("type") == "array"
            else _coerce(schema, values[-1])
        )
        for error in OAS30WriteValidator(schema).iter_errors(value):
            problems.append(f"{where} parameter {name}={values}: {error.message}")
    content = (op.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if body is None:
        if (op.get("requestBody") or {}).get("required"):
            problems.append("the request body is required")
    elif schema is None:
        problems.append("the operation takes no JSON body")
    else:
        validator = OAS30WriteValidator(schema, format_checker=OAS30WriteValidator.FORMAT_CHECKER)
        for error in validator.iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"body {where or '(root)'}: {error.message}")
        problems += [f"body field {f} is not declared" for f in undeclared(schema, body, "body")]
    return [f"{method} {template}: {p}" for p in problems]


def response_problems(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> list[str]:
    template, op, _values = operation(document, method, path)
    if not op:
        return []  # already reported for the request
    answer = op["responses"].get(str(status)) or op["responses"].get("default")
    if answer is None:
        return [f"{method} {template}: answer {status} is not declared ({sorted(op['responses'])})"]
    schema = ((answer.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        return [] if body is None else [f"{method} {template}: answer {status} declares no body"]
    validator = OAS30ReadValidator(schema, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
    return [
        f"{method} {template} → {status} {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(body)
    ]


# -- the recorded run ---------------------------------------------------------------------------
@dataclasses.dataclass
class Exchange:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    answer: Any


class Recorder:
    """Wraps the emulator's ``handle``: what the sandbox received and answered, while ``on``."""

    def __init__(self, emulator):
        self.exchanges: list[Exchange] = []
        self.on = False
        self._handle = emulator.handle

    def __call__(self, req: Request):
        resp = self._handle(req)
        if self.on and not req.path.startswith("/oauth"):
            answer = copy.deepcopy(resp.body) if not isinstance(resp.body, (str, bytes)) else resp.body
            self.exchanges.append(Exchange(req.method, req.path, req.query, req.json(), resp.status, answer))
        return resp


def api(sandbox, method, path, **kwargs):
    token = sandbox.bling.control("issue_tokens", {})["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, sandbox.bling_url + path, headers=headers, timeout=5, **kwargs)


def invoice_orders(number, lines, customer):
    """The documents of one invoice, as the Odoo side builds them."""
    total = sum((line.price_total for line in lines), Decimal(0))
    half = (total / 2).quantize(Decimal("0.01"))
    due = dt.date.today() + dt.timedelta(days=30)
    receivables = [(due, half), (due + dt.timedelta(days=30), total - half)]
    kinds = sorted({mapping.doc_type_of(mapping.line_kind(line)) for line in lines})
    return [
        mapping.build_order(
            doc_type=kind,
            marker=f"ODOO:contract:{kind.value}:{number}",
            reference=f"INV/2026/{number:05d}",
            customer=customer,
            lines=lines,
            receivables=receivables,
            issue_date=dt.date.today(),
            payment_method="PIX",
            notes=f"Fatura INV/2026/{number:05d}",
            amount_total=total,
        )
        for kind in kinds
    ]


@pytest.fixture
def recorded(sandbox, make_bling, bling_order, monkeypatch):
    """The exchanges of a realistic run of the client."""
    recorder = Recorder(sandbox.bling)
    monkeypatch.setattr(sandbox.bling, "handle", recorder)
    product = {"nome": "Ração 10 kg", "codigo": "RAC10", "tipo": "P", "situacao": "A", "formato": "S"}
    product["tributacao"] = {"ncm": "23091000"}
    assert api(sandbox, "POST", "/produtos", json=product).status_code == 201
    inactive = {"nome": "Rui", "tipo": "F", "situacao": "I", "numeroDocumento": "11144477735"}
    assert api(sandbox, "POST", "/contatos", json=inactive).status_code == 201
    customer = bling_order(DocType.SERVICE_ORDER).customer
    returning = dataclasses.replace(customer, document="11144477735", name="Rui")
    service = mapping.InvoiceLine(
        "Banho e tosa", Decimal(3), Decimal("89.99"), "service", "BANHO", discount=Decimal(10)
    )
    goods = mapping.InvoiceLine("Ração 10 kg", Decimal("1.5"), Decimal("18.45"), "consu", "RAC10")
    client = make_bling(payment_method_id="Dinheiro")

    recorder.on = True
    client.test_connection()
    services = invoice_orders(1, [service], customer)
    goods_only = invoice_orders(2, [goods], returning)  # an inactive contact, reactivated
    mixed = invoice_orders(3, [service, goods], customer)
    pushed = {o.marker: (o, client.push(o)) for o in services + goods_only + mixed}
    adopted = client.push(mixed[0], maybe_exists=True)  # an earlier attempt may have arrived
    assert adopted.adopted
    # goods with an NCM Bling's catalogue lacks (the product is created with it), and freight
    [collars] = invoice_orders(
        6, [mapping.InvoiceLine("Coleira", Decimal(2), Decimal("59.80"), "consu", "COL")], customer
    )
    freight = Decimal("12.50")
    client.push(
        dataclasses.replace(
            collars,
            lines=tuple(dataclasses.replace(line, ncm="42010090") for line in collars.lines),
            freight=freight,
            installments=(Installment(dt.date.today(), collars.total + freight),),
        )
    )
    refs = [DocRef(o.doc_type, r.external_id, o.marker) for o, r in pushed.values()]
    first = client.fetch_changes(refs, None)
    recorder.on = False
    mixed_pv, mixed_os = (
        (r for r in refs[2:] if r.doc_type is DocType.SALES_ORDER),
        (r for r in refs[2:] if r.doc_type is DocType.SERVICE_ORDER),
    )
    mixed_pv, mixed_os = next(mixed_pv), next(mixed_os)
    paid = invoice_orders(4, [service], customer)[0]
    paid_ref = DocRef(paid.doc_type, client.push(paid).external_id, paid.marker)
    for ref in (refs[0], mixed_pv, paid_ref):
        sandbox.bling.control("pay", {"id": ref.external_id})
    recorder.on = True
    client.fetch_changes(refs, first.cursor)
    client.issue_note(refs[0])  # services: NFS-e
    client.issue_note(mixed_pv)  # goods: NF-e
    client.cancel(refs[1])  # goods: stock and receivables reversed
    client.cancel(mixed_os)
    assert client.find(DocType.SERVICE_ORDER, services[0].marker, dt.date.today())
    with pytest.raises(DataError, match="already received"):  # estornar-contas: error 63
        client.cancel(paid_ref)
    client.check_account()
    recorder.on = False
    return recorder.exchanges


def test_the_document_is_present_and_pinned(spec):
    assert spec["info"]["title"] == "Bling API" and len(spec["paths"]) == 159


def test_every_bling_request_and_answer_follows_the_openapi_document(spec, recorded):
    calls = {(e.method, operation(spec, e.method, e.path)[0]) for e in recorded}
    for wanted in [
        ("POST", "/pedidos/vendas"),
        ("GET", "/pedidos/vendas"),
        ("POST", "/contatos"),
        ("PUT", "/contatos/{idContato}"),
        ("GET", "/produtos"),
        ("POST", "/nfse"),
        ("POST", "/pedidos/vendas/{idPedidoVenda}/gerar-nfe"),
        ("PATCH", "/pedidos/vendas/{idPedidoVenda}/situacoes/{idSituacao}"),
        ("GET", "/contas/receber"),
        ("PUT", "/pedidos/vendas/{idPedidoVenda}"),
        ("GET", "/formas-pagamentos/{idFormaPagamento}"),
        ("GET", "/nfse/configuracoes"),
        ("GET", "/empresas/me/dados-basicos"),
        ("POST", "/pedidos/vendas/{idPedidoVenda}/estornar-contas"),
        ("POST", "/produtos"),
    ]:
        assert wanted in calls, f"the run did not exercise {wanted}"
    problems = []
    for e in recorded:
        problems += request_problems(spec, e.method, e.path, e.query, e.body)
        problems += response_problems(spec, e.method, e.path, e.status, e.answer)
    problems = list(dict.fromkeys(problems))
    used = {pattern for pattern in ALLOWED for p in problems if re.search(pattern, p)}
    left = [p for p in problems if not any(re.search(pattern, p) for pattern in ALLOWED)]
    assert left == [], "\n".join(left)
    assert set(ALLOWED) == used, f"stale allow-list entries: {sorted(set(ALLOWED) - used)}"


def test_the_checks_catch_what_the_document_refuses(spec):
    """The checks themselves can fail: the order body the client sent before issue 10 (no
    parcelas), an undeclared field, an undeclared query parameter, a wrong type."""
    body = {
        "contato": {"id": 1},
        "data": "2026-11-25",
        "dataSaida": "2026-11-25",
        "dataPrevista": "2026-11-25",
        "itens": [{"descricao": "Banho", "quantidade": 1, "valor": 80.0, "cor": "azul"}],
    }
    problems = request_problems(spec, "POST", "/pedidos/vendas", {}, body)
    assert any("'parcelas' is a required property" in p for p in problems), problems
    assert any("body.itens[0].cor is not declared" in p for p in problems), problems
    query = {"numerosLojas[]": ["x"], "ordem": ["id"], "idContato": ["abc"]}
    problems = request_problems(spec, "GET", "/pedidos/vendas", query, None)
    assert any("query parameter ordem is not declared" in p for p in problems), problems
    assert any("idContato" in p and "not of type 'integer'" in p for p in problems), problems
    assert request_problems(spec, "POST", "/ordens-servico", {}, {}) != []
    answer = {"data": {"id": "not a number"}}
    assert response_problems(spec, "POST", "/pedidos/vendas", 201, answer) != []
