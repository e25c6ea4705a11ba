"""Check account for Bling: a read-only tour of the account (about 25 GETs, nothing created) that
answers each fact the client relies on with less than high confidence (``docs/erp-facts.md``).

Each fact is an ``AccountFact``: what was asked, what the account answered, what the client does
about it, and the ``value`` the client adapts to once the integration stores it (handed back in
``BlingOptions.facts``: an ignored filter is never used, the RPS number read as the account
numbers it...). A fact the account could not tell (a missing scope, an empty account) has the
value None: the client then keeps the behaviour that is safe either way.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..contract import AccountFact, Text
from ..errors import ErpError, SetupError
from ..formatting import digits
from ..messages import _
from .customers import unmasked
from .nfse import RPS_FACT
from .notes import NFE_FILTER_FACT
from .order_put import NET_PRICES_FACT, told_by
from .orders import MARKER_FILTER_FACT
from .payments import DESTINOS, RECEIVABLE, BlingPayments
from .status import BlingStatus
from .values import data, plain, to_int
from .wire import SCOPE_LABELS, BlingWire

NO_SUCH_MARKER = "tecpet-check-account-no-such-order"  # a numeroLoja no order carries
RATE_HEADERS = ("ratelimit", "rate-limit", "retry-after")
NO_SUCH_METHOD = _(
    'Bling has no active payment method named "%(method)s" (nor one with that id): set the '
    "integration's payment method (or its mapping) to an active method of Bling's Formas de Pagamento."
)
UNREADABLE = _("Odoo keeps the behaviour that is safe either way until the account can tell.")


def _t(template: str, **params: str | int) -> Text:
    return (template, params)


class Tour:
    """One tour: the calls it made, the scopes Bling refused and the rate-limit headers it saw."""

    def __init__(self, wire: BlingWire, status: BlingStatus, payments: BlingPayments, options: Any):
        self.wire = wire
        self.status = status
        self.payments = payments
        self.options = options
        self.missing: list[str] = []  # the scopes Bling refused (403)
        self.headers: set[str] = set()

    def scoped(self, read: Callable[[], Any]) -> Any:
        """``read()``, or None when the app lacks the scope (noted in ``missing``)."""
        try:
            return read()
        except SetupError as exc:
            label = str(exc.params.get("scope") or exc.params.get("path") or "")
            if label not in self.missing:
                self.missing.append(label)
            return None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The data of ``GET path`` (None without the scope); its rate-limit headers noted."""
        resp = self.scoped(lambda: self.wire.call("GET", path, params=params, what="request"))
        self.headers |= {
            name for name in (resp.headers if resp else {}) if any(h in name for h in RATE_HEADERS)
        }
        return data(resp)

    def rows(self, path: str, **params: Any) -> list[dict[str, Any]] | None:
        found = self.get(path, {"pagina": 1, "limite": 100, **params})
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else None


def check_account(tour: Tour) -> tuple[AccountFact, ...]:
    """The facts of the account, in the report's order."""
    steps: list[tuple[str, Callable[[Tour], list[AccountFact]]]] = [
        ("bling_company_document", company),
        ("bling_situacoes", situacoes),
        ("bling_payment_methods", payment_methods),
        ("bling_rps_numbering", nfse),
        (MARKER_FILTER_FACT, orders),
        (NFE_FILTER_FACT, nfe_filter),
        ("bling_receivables_by_order_date", receivables),
    ]
    facts: list[AccountFact] = []
    for key, step in steps:
        try:
            facts += step(tour)
        except ErpError as exc:  # this fact cannot be told; the others can
            facts.append(
                AccountFact(
                    key,
                    _t(_("What the account answers for %(key)s."), key=key),
                    (exc.template, exc.params),
                    _t(UNREADABLE),
                )
            )
    for path in ("/contatos", "/produtos"):  # the scopes no fact reads
        tour.rows(path, limite=1)
    return (*facts, scopes(tour), rate_headers(tour))


# -- the facts -----------------------------------------------------------------------------
def company(tour: Tour) -> list[AccountFact]:
    company = tour.get("/empresas/me/dados-basicos")
    fact = _t(_("Which company is this Bling account? (GET /empresas/me/dados-basicos)"))
    if not isinstance(company, dict):
        return [AccountFact("bling_company_document", fact, _t(_("Not readable.")), _t(UNREADABLE))]
    document = unmasked(company.get("cnpj"))
    return [
        AccountFact(
            "bling_company_document",
            fact,
            _t(_("%(name)s, CNPJ %(document)s."), name=str(company.get("nome") or ""), document=document),
            _t(_("Odoo remembers this CNPJ: the integration is never pointed at another account unnoticed.")),
            value=document,
            ok=bool(document),
        )
    ]


def situacoes(tour: Tour) -> list[AccountFact]:
    rows = tour.scoped(tour.status.sales_situacoes)
    if rows is None:
        return []  # the scope is missing: told by the scopes' fact
    listed = "; ".join(f"{to_int(r.get('id'))} {r.get('nome')}" for r in rows)
    cancel = tour.options.cancel_situacao
    found = tour.status.situacao_ids((cancel,))
    return [
        AccountFact(
            "bling_situacoes",
            _t(_("Which situações do sales orders have, by name and id? (GET /situacoes/modulos/{Vendas})")),
            _t(_("%(situacoes)s."), situacoes=listed),
            _t(
                _('Odoo cancels orders with the situação "%(name)s" (id %(id)s).'),
                name=cancel,
                id=min(found),
            )
            if found
            else _t(
                _(
                    'There is no situação "%(name)s": Odoo cannot cancel orders. Create it in Bling or '
                    "choose another one in the integration options."
                ),
                name=cancel,
            ),
            value=listed,
            ok=bool(found),
        )
    ]


def payment_methods(tour: Tour) -> list[AccountFact]:
    """The integration's default method and each mapped one (else the account's default): active,
    and making receivables (``destino`` 1)?"""
    if tour.scoped(tour.payments.all_formas) is None:
        return []
    methods = [tour.options.payment_method_id, *tour.options.mapped_payment_methods]
    configured = list(dict.fromkeys(str(m).strip() for m in methods if str(m or "").strip()))
    refused = _("Orders paid with it are refused until it is fixed in Bling or on the integration.")
    facts, seen = [], set()
    for method in configured or [""]:
        method_id = tour.payments.method_id(method, fallback=not method)
        if method_id in seen:
            continue
        seen.add(method_id)
        question = _('Is the payment method "%(method)s" active, and does it go to Contas a receber?')
        if not method_id:
            facts.append(
                AccountFact(
                    f"bling_payment_method_{method or 'default'}",
                    _t(question, method=method or "-"),
                    _t(NO_SUCH_METHOD, method=method or "-"),
                    _t(refused),
                    value=False,
                    ok=False,
                )
            )
            continue
        problem = tour.payments.problem(method_id)
        name = next(
            (str(f.get("descricao")) for f in tour.payments.all_formas() if to_int(f.get("id")) == method_id),
            str(method_id),
        )
        destino = to_int(tour.payments.detail(method_id).get("destino")) if not problem else 0
        facts.append(
            AccountFact(
                f"bling_payment_method_{method_id}",
                _t(question, method=name),
                (problem.template, problem.params)
                if problem
                else _t(
                    _("Active; destino %(destino)s."),
                    destino=DESTINOS.get(destino or RECEIVABLE, str(destino)),
                ),
                _t(refused)
                if problem
                else _t(_("Its installments become receivables, which Odoo reads as paid.")),
                value=problem is None,
                ok=problem is None,
            )
        )
    return facts


def nfse(tour: Tour) -> list[AccountFact]:
    settings = tour.get("/nfse/configuracoes")
    if not isinstance(settings, dict):
        return []
    rps = (settings.get("controle") or {}).get("numeracaoRPS") or {}
    numero, serie = to_int(rps.get("numero")), str(rps.get("serie") or "1")
    notes = tour.rows("/nfse") or []
    used = [to_int(n.get("numeroRPS")) for n in notes if str(n.get("serie")) == serie]
    highest = max(used, default=0)
    numbering = (
        None if not used else "last" if numero == highest else "behind" if numero < highest else "next"
    )
    answers = {
        None: _("The settings show RPS %(numero)s (series %(serie)s); no NFS-e to compare it with yet."),
        "next": _(
            "The settings show RPS %(numero)s (series %(serie)s), after the highest in use, %(highest)s."
        ),
        "last": _("The settings show RPS %(numero)s (series %(serie)s), the highest in use: the last one."),
        "behind": _(
            "The settings show RPS %(numero)s (series %(serie)s), behind the highest in use, "
            "%(highest)s: notes made through the API do not move it on."
        ),
    }
    consequences = {
        None: _("Odoo takes it as the next number and moves on when Bling refuses a number as taken."),
        "next": _("Odoo uses it as the next number."),
        "last": _("Odoo uses the number after it."),
        "behind": _("Odoo uses the number after the highest note."),
    }
    codes = [
        str((t.get("codigo") or {}).get("listaServico") or "")
        for t in (settings.get("ISS") or {}).get("tributos") or []
        if isinstance(t, dict)
    ]
    default = tour.options.service_code.strip()
    known = not default or digits(default) in {digits(c) for c in codes}
    return [
        AccountFact(
            RPS_FACT,
            _t(
                _(
                    "Is the RPS number of the NFS-e settings the next one or the last one used? "
                    "(GET /nfse/configuracoes)"
                )
            ),
            _t(answers[numbering], numero=numero, serie=serie, highest=highest),
            _t(consequences[numbering]),
            value=numbering,
            ok=True,
        ),
        AccountFact(
            "bling_nfse_service_codes",
            _t(_("Which service codes do the NFS-e settings hold?")),
            _t(
                _("%(codes)s; the integration's default is %(default)s."),
                codes=", ".join(codes) or "-",
                default=default or "-",
            ),
            _t(_("The NFS-e of a service without a code of its own takes the integration's default."))
            if known
            else _t(
                _(
                    "The integration's default service code is not among them: Bling may refuse the "
                    "NFS-e. Set it to one of them, or add it to Bling's NFS-e settings."
                )
            ),
            value=",".join(codes),
            ok=known,
        ),
    ]


def orders(tour: Tour) -> list[AccountFact]:
    recent = tour.rows("/pedidos/vendas")
    if recent is None:
        return []
    facts = [
        _filter_fact(
            tour,
            MARKER_FILTER_FACT,
            recent,
            "/pedidos/vendas",
            {"numerosLojas[]": [NO_SUCH_MARKER]},
            _("Odoo never uses it and scans the order's day instead."),
        )
    ]
    facts.append(_net_prices(tour, recent[:3]))
    return facts


def nfe_filter(tour: Tour) -> list[AccountFact]:
    recent = tour.rows("/nfe")
    if recent is None:
        return []
    return [
        _filter_fact(
            tour,
            NFE_FILTER_FACT,
            recent,
            "/nfe",
            {"numeroLoja": NO_SUCH_MARKER},
            _("Odoo never uses it: a note is found through its order's own link only."),
        )
    ]


def _filter_fact(
    tour: Tour, key: str, recent: list, path: str, probe: dict[str, Any], ignored: str
) -> AccountFact:
    """A filter is honoured when a value no record carries finds nothing in an account that
    has records. ``ignored``: what the client does when it is not."""
    name = next(iter(probe))
    found = tour.rows(path, **probe) if recent else None
    honoured = None if found is None else not found  # None: no records, or the list was refused
    answers = {
        None: _("The account has no record to tell it by yet."),
        True: _("Yes: a value no record carries finds nothing."),
        False: _("No: a value no record carries still lists the account's records."),
    }
    consequences = {
        None: _("Odoo uses it and checks every row it answers, as if it could be ignored."),
        True: _("Odoo uses it (and still checks every row it answers)."),
        False: ignored,
    }
    return AccountFact(
        key,
        _t(_("Does GET %(path)s honour the filter %(name)s?"), path=path, name=name),
        _t(answers[honoured]),
        _t(consequences[honoured]),
        value=honoured,
        ok=True,
    )


def _net_prices(tour: Tour, rows: list[dict[str, Any]]) -> AccountFact:
    """Whether the GET's item ``valor`` is net of its discount, told by a discounted order."""
    net = None
    for row in rows:
        detail = tour.get(f"/pedidos/vendas/{to_int(row.get('id'))}")
        net = told_by(detail) if isinstance(detail, dict) else None
        if net is not None:
            break
    return _told(
        NET_PRICES_FACT,
        _("Is an order item's valor, as GET /pedidos/vendas/{id} answers it, net of its discount?"),
        {
            None: _("No recent order has a discounted item to tell it by."),
            True: _("Net: the GET answers each item's price after its discount."),
            False: _("Gross: the GET answers each item's list price."),
        },
        _(
            "When Odoo writes an order back, it sends each item's price as the order shows it "
            "and keeps the order's total to the cent."
        ),
        net,
    )


def _told(
    key: str, fact: str, answers: dict, consequence: str, value: bool | None, ok: bool = True
) -> AccountFact:
    """A yes/no fact: ``answers`` by value (None: the account cannot tell yet)."""
    return AccountFact(key, _t(fact), _t(answers[value]), _t(consequence), value=value, ok=ok)


def receivables(tour: Tour) -> list[AccountFact]:
    rows = tour.rows("/contas/receber")
    if rows is None:
        return []
    launched = [r for r in rows if "vend" in plain(str((r.get("origem") or {}).get("tipoOrigem") or ""))]
    same = None
    if launched:
        same = all(
            str(r.get("dataEmissao"))[:10] == str(r["origem"].get("dataEmissao"))[:10] for r in launched
        )
    return [
        _told(
            "bling_receivables_by_order_date",
            _("Do an order's receivables carry the order's date as their issue date?"),
            {
                None: _("No receivable launched from an order to tell it by."),
                True: _("Yes: each receivable of an order carries the order's date."),
                False: _("No: some receivables carry another date than their order's."),
            },
            _(
                "Odoo looks for an order's receivables in the year from the order's date, whatever "
                "the order's age."
            ),
            same,
            ok=same is not False,
        )
    ]


def scopes(tour: Tour) -> AccountFact:
    needed = [label for label in SCOPE_LABELS.values() if label in tour.missing]
    return AccountFact(
        "bling_missing_scopes",
        _t(_("Which scopes was the Bling app granted?")),
        _t(_("All the scopes Odoo uses."))
        if not needed
        else _t(_("Refused (HTTP 403): %(scopes)s."), scopes=", ".join(needed)),
        _t(_("Nothing to do."))
        if not needed
        else _t(_("Add these scopes to the app in Bling, then press Connect to Bling again.")),
        value=", ".join(needed),
        ok=not needed,
    )


def rate_headers(tour: Tour) -> AccountFact:
    seen = ", ".join(sorted(tour.headers))
    return AccountFact(
        "bling_rate_limit_headers",
        _t(_("Which rate-limit headers does Bling send?")),
        _t(_("%(headers)s."), headers=seen) if seen else _t(_("None.")),
        _t(_("Odoo keeps to 3 requests per second for the account, shared by all its workers.")),
        value=seen,
        ok=True,
    )
