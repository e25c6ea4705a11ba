"""Bling API v3 emulator: OAuth 2.0, contatos, pedidos de venda, contas a receber, NF-e, NFS-e.

Faithful to ``erp-apis/bling.md`` (the official OpenAPI plus what real accounts showed), quirks
included, so that a client which works here has a fair chance with the real ERP:

* OAuth authorization code with single-use codes valid 60 s (re-use revokes the grant), Basic
  client auth on ``/oauth/token``, refresh-token rotation, more than 20 token calls a minute → 429;
* 3 requests per second per account (sliding 1 s window) → 429 ``TOO_MANY_REQUESTS``;
* ``{"data": ...}`` envelope, 201 on create, 204 on PATCH/DELETE/lançar/estornar, the
  ``{"error": {type, message, description, fields[]}}`` shape, ``pagina``/``limite`` (max 100);
* ``GET /contatos`` defaults to ``criterio=3`` (*últimos incluídos*): a search by document without
  ``criterio=1`` only looks at the last 5 contacts created;
* CPF/CNPJ check digits, phone and IE validation on contacts; parcelas are required (as in the
  OpenAPI) and must add up to the total;
* ``gerar-nfe`` answers ``{"idNotaFiscal": N}`` without the data wrapper (as in the OpenAPI);
* date filters take Brazil local time (UTC-3) and refuse ranges over one year;
* relations without a value come back as ``{"id": 0}``.

* ``GET /pedidos/vendas/{id}`` answers items' ``valor`` net of their ``desconto``; the PUT takes
  the whole order with its parcelas' ids and refuses a changed (read-only) ``notaFiscal``;
* ``lancar-contas`` makes no receivable for a method whose ``destino`` is not 1 and refuses an
  inactive one; ``estornar-contas`` refuses (error 63) when a receivable is received;
* what the sources leave open is a switch (``BlingEmulator.SWITCHES``, control ``switch`` with
  ``name`` and ``position``).

Control actions (``/_control/<action>?provider=bling``): ``register_app``, ``issue_tokens``,
``token_ttl``, ``expire_tokens``, ``expire_refresh_tokens`` (``seconds``: the live refresh tokens
lapse that soon, as a 30-day-old one would), ``rate_limit``, ``add_situacao``, ``set_forma`` (a
payment method's ``situacao``, ``destino``, ``padrao``), ``add_product`` (a catalogue product with
its ``ncm``), ``set_company`` (the account's company ``cnpj`` and ``nome``: the tokens open another
account), ``switch``, and the document actions ``pay``, ``ready``, ``issue``, ``cancel``,
``delete`` (the order is gone: GET answers 404), ``cancel_note`` and ``reject_note`` (the NF-e
Rejeitada, or ``situacao=9`` Denegada), ``age`` (the order made ``days`` ago, default 400)
(``id`` = pedido id, ``doc_type``).
"""

from .common import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from .core import BlingEmulator

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "BlingEmulator"]
