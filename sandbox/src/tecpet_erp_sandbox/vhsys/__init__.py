"""VHSYS API v2 emulator (``/vhsys/v2``), following ``erp-apis/vhsys.md`` including its quirks.

What it reproduces, because the client must cope with it:

- auth by the ``access-token`` / ``secret-access-token`` headers (any case): an account's pair is
  fixed both ways (a token that worked with one secret is refused with another, and a secret with
  another token); missing, wrong or revoked credentials answer HTTP 403
  ``{"code":403,"status":"error","data":"Acesso negado..."}`` (switch ``auth_status`` "401": 401);
  a missing ``User-Agent`` answers 400;
- the envelope ``{"code":200,"status":"success","data":...}``, lists with ``paging``
  (``limit`` at most 250, ``offset``; ``total_count`` = the rows on the page, ``total`` = the
  overall count, as captured: tests/fixtures/vhsys/capture_mercos.json), filters that VHSYS's
  parameter lists do not name ignored (``undocumented_filters`` ``honoured``: ``id_cliente`` on
  receivables, NFS-e, orders and customers, ``id_pedido_ref`` on NF-e...), and an empty list or
  search answers **HTTP 403**
  ``"Nenhum ... encontrado!"``; validation errors are HTTP 403 with ``data`` = list of messages;
  an unknown route answers HTTP 200 with ``code`` 404 in the body;
- list pages may carry the same row twice (``duplicate_rows``; deterministic: a page with two rows
  or more repeats its first row at the end), so clients must dedupe by primary key;
- ``POST /pedidos`` answers ``data`` as an **array**; OS/PV sub-resources (``/servicos``,
  ``/produtos``, ``/parcelas``) require a JSON **array** body; ``/parcelas`` replaces earlier ones;
- ``DELETE`` only moves a record to the trash (``lixeira`` "Sim"); lists show the trash only with
  ``lixeira=Sim``;
- ``data_mod_*`` timestamps in Brasília local time without offset, updated on every write;
  ``data_modificacao`` filters ``>=`` (date or date and time);
- ``GET /pedidos?order=data_mod_pedido&sort=Asc`` answers an HTML error page, as observed;
- receivables linked to documents only through "Lançar Contas" (control actions ``pay`` and
  ``launch_receivables``), with ``identificacao`` ``OS_<id_ordem>`` / ``Ped_<id_ped>``;
- stock moves as the official "Lançar estoque" answers them: ``identificacao`` "API" whatever was
  sent (``stock_identificacao`` ``echoed`` keeps it), the date in ``data_cad_estoque``; the history
  honours ``order``/``sort`` (``stock_order`` ``ignored``: it does not);
- ``POST /notas-servico`` refused without ``ambiente``, ``serie_nota``, ``natureza_pedido``,
  ``vendedor_pedido`` and ``nome_cliente`` (``nfse_draft`` ``lenient`` accepts it); NFS-e rows show
  ``obs_interno_pedido`` and ``ambiente`` (``nfse_rows`` ``bare`` hides them); a note keeps its
  ``ambiente`` (2: homologation); ``GET /vendedores`` and the undocumented ``GET /situacoes``.

State is kept in plain dicts guarded by ``self.lock``. Control actions (``control``): ``pay``,
``ready``, ``issue``, ``cancel``, ``launch_receivables``, ``delete`` (to the trash), ``cancel_note``,
``reject_note`` (NF-e denegada) on one document (``doc_type`` and ``id``, the primary key; ``issue``
takes ``ambiente`` 2 for a homologation note and ``linked`` 0 for an NFS-e issued in VHSYS's NFS-e
screens, its OS not flagged), plus ``restore_credentials``, ``revoke_credentials``, ``clock``
(``offset_seconds`` or ``advance_seconds``), ``nfse_reject`` (``message``; empty clears) and
``switch`` (``name``, ``position``): what no source documents is a switch
(``VhsysEmulator.SWITCHES``, the first position of each the default), as in the Bling emulator.
"""

from .common import _ApiError
from .core import VhsysEmulator

__all__ = ["VhsysEmulator", "_ApiError"]
