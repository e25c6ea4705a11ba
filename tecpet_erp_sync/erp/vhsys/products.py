"""VHSYS products: every item of a document names one (``/produtos``), found by ``cod_produto``
or created; services too when they are in the catalogue (``tipo_produto`` "Servico")."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import hashlib

from ..contract import Line
from ..errors import UnknownOutcome
from ..formatting import money
from ..messages import _
from .values import to_int
from .wire import VhsysWire

GOODS_TYPE = "Produto"  # tipo_produto of goods (vhsys.md §3.2)
GENERATED_CODE_PREFIX = "ODOO-"  # cod_produto for lines without an internal reference


class VhsysProducts:
    """Product ids by code, looked up or created once per client."""

    def __init__(self, wire: VhsysWire, *, service_type: str):
        self.wire = wire
        self.service_type = service_type
        self.ids: dict[str, int] = {}  # cod_produto -> id_produto

    @staticmethod
    def code(line: Line) -> str:
        if line.product_code.strip():
            return line.product_code.strip()
        name = " ".join(line.description.split()).lower()
        return GENERATED_CODE_PREFIX + hashlib.sha1(name.encode()).hexdigest()[:10].upper()

    def ensure(self, line: Line, *, service: bool) -> int:
        """The id of the line's product, created when VHSYS has none with its code."""
        code = self.code(line)
        cached = self.ids.get(code)
        if cached:
            return cached
        rows = self.wire.list(
            "/produtos",
            {"cod_produto": code, "lixeira": "Nao"},
            pk=("id_produto",),
            max_pages=1,
            what="product search",
        )
        hits = [
            r for r in rows if str(r.get("cod_produto") or "").strip() == code and r.get("lixeira") != "Sim"
        ]
        if hits:
            product_id = to_int(min(hits, key=lambda r: to_int(r.get("id_produto")))["id_produto"])
        else:
            body = {
                "desc_produto": (line.description.strip().splitlines() or ["?"])[0][:120].rstrip(),
                "cod_produto": code,
                "valor_produto": money(line.unit_price),
                "unidade_produto": (line.unit or "UN")[:6],
                "tipo_produto": self.service_type if service else GOODS_TYPE,
                "status_produto": "Ativo",
            }
            product_id = to_int(self.wire.post_new("/produtos", body, what="product").get("id_produto"))
            if not product_id:
                raise UnknownOutcome(_("VHSYS created the product without returning its id."))
        self.ids[code] = product_id
        return product_id
