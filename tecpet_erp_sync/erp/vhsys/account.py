""" "Check account" for VHSYS: a read-only tour (12 GETs, nothing created) answering each fact the
client relies on with less than high confidence (docs/erp-facts.md, the "Check account" column).

Each ``AccountFact`` says what was asked, what the account answered, what the addon does about
it, and a ``value`` the client adapts to (``options.from_settings`` reads the stored values back:
a filter seen honoured is then used, an order the account refuses is no longer asked for).
What only a write would prove (what VHSYS keeps of a new stock move, which NFS-e fields it
requires) is said so in the consequence, never tried.
"""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..contract import AccountFact, Text
from ..errors import AuthError, ErpError
from ..messages import _
from .notes import homologation, nfse_number
from .options import (
    FILTER_NFE_ORDER,
    FILTER_NFSE_CUSTOMER,
    FILTER_RECEIVABLES_CUSTOMER,
    VhsysOptions,
    payment_method,
)
from .values import rows_of, to_int
from .wire import VhsysWire

PROBE = 2  # rows asked for in a probe: enough to tell a page's count from the overall one

UNREADABLE = _("VHSYS answered with an error: %(error)s")
NO_ROWS = _("The account has no rows there yet: it cannot tell.")

FILTER_FACT = _("Does GET %(path)s honour the filter %(param)s (missing from VHSYS's parameter lists)?")
FILTER_HONOURED = _(
    "Without the filter: %(total)s rows; with %(param)s=%(value)s: %(filtered)s rows, all of them matching."
)
FILTER_IGNORED = _(
    "Without the filter: %(total)s rows; with %(param)s=%(value)s: %(filtered)s rows: ignored."
)
FILTER_NOBODY_EMPTY = _(
    "Every row shown has %(param)s=%(value)s; with %(param)s=%(nobody)s, a value no row has: no row, "
    "so the filter is honoured."
)
# Asked for when every row a probe sees carries the same value: an ignored filter still lists rows.
NOBODY = "999999999"
FILTER_USED = _("The addon uses the filter (fewer calls).")
FILTER_NOT_USED = _(
    "The addon lists every row since the document and keeps the document's own on its side (correct, "
    "more calls)."
)

FACTS: dict[str, Text] = {
    "paging": (_("How does VHSYS count a list's rows (paging.total_count, paging.total)?"), {}),
    "statuses": (_("Which custom statuses (situações) does the account use?"), {}),
    "sellers": (_("Which sellers does the account have, and is the NFS-e seller one of them?"), {}),
    "payment_methods": (
        _("Are the payment methods the integration maps to VHSYS's own (exact spelling)?"),
        {},
    ),
    "nfse_settings": (_("Which NFS-e settings does the integration send, in which environment?"), {}),
    "nfse_rows": (
        _("Do the account's NFS-e show their internal notes and environment? How are they numbered?"),
        {},
    ),
    "nfe_environment": (_("Do the account's NF-e say their environment (ambiente)?"), {}),
    "stock_identificacao": (_("What does VHSYS keep in a stock move's identificacao?"), {}),
    "stock_date": (_("Do stock moves carry their date in data_cad_estoque?"), {}),
    "stock_order": (_("Does the stock history honour order=id_estoque&sort=Desc?"), {}),
}


def _text(template: str, **params: Any) -> Text:
    return template, {k: str(v) for k, v in params.items()}


class AccountTour:
    """One run of "Check account" (``VhsysClient.check_account``)."""

    def __init__(self, wire: VhsysWire, options: VhsysOptions):
        self.wire = wire
        self.options = options

    def run(self) -> tuple[AccountFact, ...]:
        facts: list[AccountFact] = []
        pedidos = self._probe(facts, "paging", lambda: self._paging(facts))
        for key, path, param, field in (
            (FILTER_RECEIVABLES_CUSTOMER, "/contas-receber", "id_cliente", "id_cliente"),
            (FILTER_NFE_ORDER, "/notas-fiscais", "id_pedido_ref", "id_pedido_ref"),
            (FILTER_NFSE_CUSTOMER, "/notas-servico", "id_cliente", "id_cliente"),
        ):
            rows = self._probe(
                facts, key, lambda k=key, p=path, q=param, f=field: self._filter(facts, k, p, q, f)
            )
            if path == "/notas-fiscais":
                self._probe(facts, "nfe_environment", lambda r=rows: facts.append(self._nfe(r or [])))
            if path == "/notas-servico":
                self._probe(facts, "nfse_rows", lambda r=rows: facts.append(self._nfse(r or [])))
        self._probe(facts, "statuses", lambda: facts.append(self._statuses()))
        self._probe(facts, "sellers", lambda: facts.append(self._sellers()))
        facts.append(self._payment_methods())
        facts.append(self._nfse_settings())
        self._probe(facts, "stock_identificacao", lambda: self._stock(facts, pedidos or []))
        return tuple(facts)

    # -- helpers -----------------------------------------------------------------------------
    def _probe(self, facts: list[AccountFact], key: str, run: Callable[[], Any]) -> Any:
        """``run()``; an answer VHSYS refuses becomes that fact's answer (refused credentials stop
        the tour: nothing else can be asked)."""
        try:
            return run()
        except AuthError:
            raise
        except ErpError as exc:
            facts.append(
                AccountFact(
                    key,
                    FACTS.get(key) or _text(FILTER_FACT, path=key.split(":")[0], param=key.split(":")[-1]),
                    _text(UNREADABLE, error=exc.erp_message or exc.message),
                    (NO_CONSEQUENCE, {}),
                    ok=False,
                )
            )
            return None

    def _page(self, path: str, **params: Any) -> tuple[list[dict], dict]:
        query = {"limit": PROBE, **params}
        envelope = self.wire.call("GET", path, params=query, empty_ok=True, what="list")
        if envelope is None:
            return [], {}
        paging = envelope.get("paging") if isinstance(envelope.get("paging"), dict) else {}
        return rows_of(envelope.get("data")), paging

    # -- the facts -----------------------------------------------------------------------------
    def _paging(self, facts: list[AccountFact]) -> list[dict]:
        rows, paging = self._page("/pedidos", order="id_ped", sort="Desc", lixeira="Nao", limit=1)
        count, total = to_int(paging.get("total_count")), to_int(paging.get("total"))
        if total > count == len(rows):
            answer, value = _text(PAGING_TOTAL, count=count, total=total), "total"
        elif count > len(rows):
            answer, value = _text(PAGING_COUNT, count=count, total=total), "total_count"
        else:
            answer, value = _text(PAGING_UNSURE, count=count, total=total), None
        facts.append(AccountFact("paging", FACTS["paging"], answer, (PAGING_CONSEQUENCE, {}), value))
        return rows

    def _filter(self, facts: list[AccountFact], key: str, path: str, param: str, field: str) -> list[dict]:
        fact = _text(FILTER_FACT, path=path, param=param)
        rows, paging = self._page(path, lixeira="Nao")
        value = next((str(r.get(field)) for r in rows if to_int(r.get(field))), "")
        if not value:
            facts.append(AccountFact(key, fact, (NO_ROWS, {}), (FILTER_NOT_USED, {}), None))
            return rows
        filtered, fpaging = self._page(path, lixeira="Nao", **{param: value})
        total, subset = (
            to_int(paging.get("total")) or len(rows),
            to_int(fpaging.get("total")) or len(filtered),
        )
        params = {"param": param, "value": value, "total": total, "filtered": subset}
        if any(str(r.get(field)) != value for r in filtered):
            answer, value_seen = _text(FILTER_IGNORED, **params), False
        elif subset < total:
            answer, value_seen = _text(FILTER_HONOURED, **params), True
        else:  # every row seen has that value: ask for one no row can have
            nobody, npaging = self._page(path, lixeira="Nao", **{param: NOBODY})
            if nobody:
                params.update(value=NOBODY, filtered=to_int(npaging.get("total")) or len(nobody))
                answer, value_seen = _text(FILTER_IGNORED, **params), False
            else:
                answer, value_seen = _text(FILTER_NOBODY_EMPTY, nobody=NOBODY, **params), True
        consequence = FILTER_USED if value_seen else FILTER_NOT_USED
        facts.append(AccountFact(key, fact, answer, (consequence, {}), value_seen))
        return rows

    def _nfe(self, rows: list[dict]) -> AccountFact:
        if not rows:
            return AccountFact(
                "nfe_environment", FACTS["nfe_environment"], (NO_ROWS, {}), (NFE_ENV_YES, {}), None
            )
        tests = sum(1 for r in rows if homologation(r))
        if all("ambiente" in r for r in rows):
            answer = _text(NFE_ENV_ANSWER, tests=tests, rows=len(rows))
            return AccountFact("nfe_environment", FACTS["nfe_environment"], answer, (NFE_ENV_YES, {}), True)
        return AccountFact(
            "nfe_environment", FACTS["nfe_environment"], (NFE_ENV_NO, {}), (NFE_ENV_RISK, {}), False
        )

    def _nfse(self, rows: list[dict]) -> AccountFact:
        if not rows:
            return AccountFact("nfse_rows", FACTS["nfse_rows"], (NO_ROWS, {}), (NFSE_ROWS_UNSURE, {}), None)
        row = rows[0]
        readable = "obs_interno_pedido" in row and "ambiente" in row
        answer = _text(
            NFSE_ROWS_ANSWER if readable else NFSE_ROWS_BARE,
            number=nfse_number(row) or "-",
            series=row.get("serie_nota") or "-",
            env=row.get("ambiente", "-"),
        )
        consequence = NFSE_ROWS_YES if readable else NFSE_ROWS_NO
        return AccountFact(
            "nfse_rows", FACTS["nfse_rows"], answer, (consequence, {}), readable, ok=readable or None
        )

    def _statuses(self) -> AccountFact:
        try:  # undocumented: an account may not have it
            envelope = self.wire.call("GET", "/situacoes", empty_ok=True, what="list")
        except AuthError:
            raise
        except ErpError:
            envelope = None
        data = (envelope or {}).get("data")
        groups = data if isinstance(data, dict) else {}
        rows = [
            row
            for kind in ("OrdemServico", "Pedidos")
            for row in groups.get(kind) or []
            if isinstance(row, dict) and row.get("lixeira", "Nao") != "Sim"
        ]
        names = list(
            dict.fromkeys(
                str(row.get("nome_situacao"))
                + (
                    ""
                    if row.get("nome_situacao") == row.get("tipo_status")
                    else f" ({row.get('tipo_status')})"
                )
                for row in rows
            )
        )
        answer = _text(STATUSES_ANSWER, names=", ".join(names)) if names else (STATUSES_NONE, {})
        return AccountFact(
            "statuses", FACTS["statuses"], answer, (STATUSES_CONSEQUENCE, {}), ", ".join(names)
        )

    def _sellers(self) -> AccountFact:
        rows = self.wire.list(
            "/vendedores", {"lixeira": "Nao"}, pk=("id_vendedor",), max_pages=1, what="list"
        )
        names = [str(r.get("razao_vendedor") or r.get("fantasia_vendedor") or "").strip() for r in rows]
        ids = {str(r.get("id_vendedor")) for r in rows}
        seller, seller_id = self.options.nfse.seller, self.options.nfse.seller_id
        answer = _text(SELLERS_ANSWER, names=", ".join(n for n in names if n) or "-")
        if not seller:
            return AccountFact(
                "sellers", FACTS["sellers"], answer, (SELLER_MISSING, {}), ", ".join(names), ok=False
            )
        known = seller in names and (not seller_id or seller_id in ids)
        consequence = _text(SELLER_FOUND if known else SELLER_UNKNOWN, seller=seller)
        return AccountFact("sellers", FACTS["sellers"], answer, consequence, ", ".join(names), ok=known)

    def _payment_methods(self) -> AccountFact:
        mapped = list(dict.fromkeys([self.options.payment_method, *self.options.mapped_payment_methods]))
        unknown = [m for m in mapped if payment_method(m) is None]
        if unknown:
            answer, consequence = _text(METHODS_UNKNOWN, methods=", ".join(unknown)), (METHODS_FIX, {})
        else:
            answer, consequence = _text(METHODS_KNOWN, methods=", ".join(mapped)), (METHODS_OK, {})
        return AccountFact(
            "payment_methods",
            FACTS["payment_methods"],
            answer,
            consequence,
            ", ".join(unknown),
            ok=not unknown,
        )

    def _nfse_settings(self) -> AccountFact:
        nfse = self.options.nfse
        answer = _text(
            NFSE_SETTINGS_PRODUCTION_ANSWER if nfse.production else NFSE_SETTINGS_TEST_ANSWER,
            fields=", ".join(f"{k}={v}" for k, v in nfse.body().items()),
        )
        if nfse.missing():
            consequence: Text = (NFSE_SETTINGS_MISSING, {})
        else:
            consequence = (NFSE_SETTINGS_PRODUCTION if nfse.production else NFSE_SETTINGS_TEST, {})
        ok = not nfse.missing()
        return AccountFact(
            "nfse_settings", FACTS["nfse_settings"], answer, consequence, nfse.environment, ok=ok
        )

    def _stock(self, facts: list[AccountFact], pedidos: list[dict]) -> None:
        """The newest sales order's first product: its stock history, asked in both orders."""
        product = 0
        for pedido in pedidos[:1]:
            items = self.wire.list(
                f"/pedidos/{pedido.get('id_ped')}/produtos", pk=("id_ped_produto",), max_pages=1, what="items"
            )
            product = next((to_int(i.get("id_produto")) for i in items if to_int(i.get("id_produto"))), 0)
        if not product:
            for key in ("stock_identificacao", "stock_date", "stock_order"):
                facts.append(AccountFact(key, FACTS[key], (NO_ROWS, {}), (STOCK_UNSURE, {}), None))
            return
        path = f"/produtos/{product}/estoque"
        newest, _paging = self._page(path, order="id_estoque", sort="Desc")
        idents = sorted({str(r.get("identificacao") or "") for r in newest})
        value = ("echoed" if any(i.startswith("Ped_") for i in idents) else "api") if idents else None
        answer = _text(STOCK_IDENT_ANSWER, product=product, values=", ".join(idents) or "-")
        facts.append(
            AccountFact("stock_identificacao", FACTS["stock_identificacao"], answer, (STOCK_IDENT, {}), value)
        )
        dated = bool(newest) and all("data_cad_estoque" in r for r in newest)
        facts.append(
            AccountFact(
                "stock_date",
                FACTS["stock_date"],
                (STOCK_DATE_YES if dated else STOCK_DATE_NO, {}),
                (STOCK_DATE_CONSEQUENCE, {}),
                dated if newest else None,
            )
        )
        try:
            oldest, _paging = self._page(path, order="id_estoque", sort="Asc")
        except AuthError:
            raise
        except ErpError as exc:
            answer, value = _text(UNREADABLE, error=exc.erp_message or exc.message), "refused"
        else:
            answer, value = _stock_order(newest, oldest)
        consequence = {"honoured": STOCK_ORDER_FAST, "refused": STOCK_ORDER_DROPPED}.get(
            value, STOCK_ORDER_SLOW
        )
        facts.append(AccountFact("stock_order", FACTS["stock_order"], answer, (consequence, {}), value))


def _stock_order(newest: list[dict], oldest: list[dict]) -> tuple[Text, str | None]:
    """Whether the history came newest first when asked, and oldest first when asked."""
    first = [to_int(r.get("id_estoque")) for r in newest]
    last = [to_int(r.get("id_estoque")) for r in oldest]
    if len(set(first + last)) < 2:
        return (NO_ROWS, {}), None
    if first == sorted(first, reverse=True) and last == sorted(last) and first != last:
        return (STOCK_ORDER_HONOURED, {}), "honoured"
    return (STOCK_ORDER_IGNORED, {}), "ignored"


NO_CONSEQUENCE = _(
    "The addon keeps to what is safe either way (docs/erp-facts.md); run Check account again later."
)
PAGING_TOTAL = _("With limit 1: total_count %(count)s, total %(total)s: total is the overall count.")
PAGING_COUNT = _("With limit 1: total_count %(count)s, total %(total)s: total_count is the overall count.")
PAGING_UNSURE = _("With limit 1: total_count %(count)s, total %(total)s: too few sales orders to tell.")
PAGING_CONSEQUENCE = _(
    "Lists are read until a short page, or until paging.total when it counts more than a page: "
    "nothing is cut, whichever field holds the overall count."
)
NFE_ENV_ANSWER = _("Yes: %(tests)s of the %(rows)s newest NF-e are homologation (test) notes.")
NFE_ENV_NO = _("No: the NF-e rows carry no ambiente.")
NFE_ENV_YES = _("An NF-e issued in homologation (ambiente 2) is never shown as Issued.")
NFE_ENV_RISK = _("A homologation NF-e cannot be told from a real one: avoid test NF-e on this account.")
NFSE_ROWS_ANSWER = _("Yes. Newest NFS-e: number %(number)s, series %(series)s, ambiente %(env)s.")
NFSE_ROWS_BARE = _(
    "No: the rows show neither their internal notes nor their environment. Newest NFS-e: number "
    "%(number)s, series %(series)s."
)
NFSE_ROWS_YES = _(
    "A draft whose creation answer was lost is recognised by the Odoo token in its internal notes; "
    "VHSYS numbers the RPS itself (Odoo sends no number)."
)
NFSE_ROWS_NO = _(
    "A draft whose creation answer was lost cannot be recognised: a new draft is made (the other stays "
    "a draft, never a note; delete it in VHSYS). VHSYS numbers the RPS itself."
)
NFSE_ROWS_UNSURE = _("Run Check account again once the account holds an NFS-e.")
STATUSES_ANSWER = _("Custom statuses (and their base status): %(names)s.")
STATUSES_NONE = _("None (or GET /situacoes, which VHSYS does not document, is not available).")
STATUSES_CONSEQUENCE = _(
    "Odoo reads each document's base status (Em Aberto, Em Andamento, Atendido, Cancelado): a custom "
    "status counts as the base status it belongs to."
)
SELLERS_ANSWER = _("Sellers: %(names)s.")
SELLER_MISSING = _(
    "No NFS-e seller is set: set one of them in the VHSYS NFS-e settings (two sources say VHSYS requires "
    "it on a draft)."
)
SELLER_FOUND = _("NFS-e drafts name the seller %(seller)s.")
SELLER_UNKNOWN = _(
    "The NFS-e seller %(seller)s is not one of them: VHSYS may refuse the drafts. Fix it in the VHSYS "
    "NFS-e settings."
)
METHODS_KNOWN = _("Yes: %(methods)s.")
METHODS_UNKNOWN = _("No: %(methods)s (VHSYS's list is exact, accents and case included).")
METHODS_OK = _("Installments carry them as they are.")
METHODS_FIX = _(
    "An invoice paid with one of them is refused before anything is sent, with a message: map them to "
    "VHSYS's spelling (e.g. PIX, Boleto, Cartão de Crédito)."
)
NFSE_SETTINGS_PRODUCTION_ANSWER = _("Production; the drafts carry %(fields)s.")
NFSE_SETTINGS_TEST_ANSWER = _("Homologation (test); the drafts carry %(fields)s.")
NFSE_SETTINGS_MISSING = _(
    "The NFS-e series and nature of operation are missing: no NFS-e is requested until they are set. "
    "Which fields this account requires only a draft would tell: Check account creates none."
)
NFSE_SETTINGS_TEST = _(
    "Notes are issued in homologation: none is a fiscal note or shown as Issued. Switch to Production "
    "when the tests are done."
)
NFSE_SETTINGS_PRODUCTION = _("Notes are real municipal notes.")
STOCK_IDENT_ANSWER = _("The newest moves of product %(product)s carry identificacao: %(values)s.")
STOCK_IDENT = _(
    "Odoo recognises its stock moves by the text it writes at the start of obs_estoque, whatever VHSYS "
    "keeps in identificacao (the official example answers API); only a stock write would prove what a "
    "new move keeps, and Check account writes nothing."
)
STOCK_DATE_YES = _("Yes.")
STOCK_DATE_NO = _("No: the moves carry no data_cad_estoque.")
STOCK_DATE_CONSEQUENCE = _(
    "A product's history is read back only to the order's date when moves are dated and ordered; "
    "else it is read to its end."
)
STOCK_ORDER_HONOURED = _("Yes: the newest and the oldest moves come in the order asked for.")
STOCK_ORDER_IGNORED = _("No: the order asked for makes no difference.")
STOCK_ORDER_FAST = _("A product's stock history is read back only to the order's date.")
STOCK_ORDER_SLOW = _("A product's stock history is read to its end (correct, more calls).")
STOCK_ORDER_DROPPED = _("The addon no longer asks for that order and reads each history to its end.")
STOCK_UNSURE = _("Run Check account again once a sales order with a product exists.")
