"""VHSYS products: every item of a document names one (``/produtos``), found by ``cod_produto``
or created; services too when they are in the catalogue (``tipo_produto`` "Servico")."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

import hashlib

from ..contract import Line
from ..errors import DataError, UnknownOutcome
from ..formatting import money
from ..messages import _
from .values import to_int
from .wire import VhsysWire

NO_NCM = _(
    'The product "%(product)s" has no NCM, neither in Odoo nor in VHSYS\'s catalogue, and a goods line '
    "needs one for its NF-e. Fill in the product's NCM (its Accounting tab) and Reprocess the invoice."
)

GOODS_TYPE = "Produto"  # tipo_produto of goods (vhsys.md §3.2)
GENERATED_CODE_PREFIX = "ODOO-"  # cod_produto for lines without an internal reference


class VhsysProducts:
    """Product ids by code, looked up or created once per client."""

    def __init__(self, wire: VhsysWire, *, service_type: str, free_text: bool = False):
        self.wire = wire
        self.service_type = service_type
        self.free_text = free_text  # goods may go without an NCM (the integration's setting)
        self.ids: dict[str, int] = {}  # cod_produto -> id_produto
        self.ncm: dict[str, str] = {}  # cod_produto -> the NCM VHSYS's product holds

    @staticmethod
    def code(line: Line) -> str:
        if line.product_code.strip():
            return line.product_code.strip()
        name = " ".join(line.description.split()).lower()
        return GENERATED_CODE_PREFIX + hashlib.sha1(name.encode()).hexdigest()[:10].upper()

    def ensure(self, line: Line, *, service: bool) -> int:
        """The id of the line's product, created when VHSYS has none with its code. A goods line
        needs an NCM: the one VHSYS's product holds (kept), else Odoo's (written on it); neither
        is a data error, raised before anything is created, unless free-text items are allowed."""
        code = self.code(line)
        if code not in self.ids:
            found = self._find(code)
            if found is None and not service:
                self._check_ncm(line, code)
            self.ids[code] = found if found is not None else self._create(line, code, service=service)
        if not service and not self.ncm.get(code):
            self._check_ncm(line, code)
            if line.ncm.strip():
                self.wire.call(
                    "PUT",
                    f"/produtos/{self.ids[code]}",
                    body={"ncm_produto": line.ncm.strip()},
                    what="product",
                )
                self.ncm[code] = line.ncm.strip()
        return self.ids[code]

    def _check_ncm(self, line: Line, code: str) -> None:
        if not line.ncm.strip() and not self.free_text:
            name = (line.description.strip().splitlines() or [code])[0][:60]
            raise DataError(NO_NCM, field="ncm_produto", product=name)

    def _find(self, code: str) -> int | None:
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
        if not hits:
            return None
        found = min(hits, key=lambda r: to_int(r.get("id_produto")))
        self.ncm[code] = str(found.get("ncm_produto") or "").strip()
        return to_int(found["id_produto"])

    def _create(self, line: Line, code: str, *, service: bool) -> int:
        body = {
            "desc_produto": (line.description.strip().splitlines() or ["?"])[0][:120].rstrip(),
            "cod_produto": code,
            "valor_produto": money(line.unit_price),
            "unidade_produto": (line.unit or "UN")[:6],
            "tipo_produto": self.service_type if service else GOODS_TYPE,
            "status_produto": "Ativo",
        }
        if line.ncm.strip() and not service:
            body["ncm_produto"] = self.ncm[code] = line.ncm.strip()
        product_id = to_int(self.wire.post_new("/produtos", body, what="product").get("id_produto"))
        if not product_id:
            raise UnknownOutcome(_("VHSYS created the product without returning its id."))
        return product_id
