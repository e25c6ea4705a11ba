"""What the VHSYS client is told about the account: ``VhsysOptions`` and its ``NfseSettings``,
built from the integration's settings and the facts "Check account" stored (``from_settings``).

Every default is what is safe on an account nobody has checked yet: NFS-e in homologation, no
undocumented filter trusted, stock history read in the order asked for (docs/erp-facts.md).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..states import VHSYS_CANCELED, VHSYS_DONE

_logger = logging.getLogger(__name__)

HOMOLOGATION = "homologation"
PRODUCTION = "production"

# Filters our calls would like to use that no VHSYS parameter list documents
# (reviews/fidelity-review.md V25, V27, V31): used only once "Check account" saw them honoured.
FILTER_RECEIVABLES_CUSTOMER = "contas-receber:id_cliente"
FILTER_NFE_ORDER = "notas-fiscais:id_pedido_ref"
FILTER_NFSE_CUSTOMER = "notas-servico:id_cliente"
FILTERS = (FILTER_RECEIVABLES_CUSTOMER, FILTER_NFE_ORDER, FILTER_NFSE_CUSTOMER)

# forma_pagamento of installments: the enumeration of VHSYS's official "Cadastrar parcelas" page
# (erp-apis/vhsys.md §3.4), exact spelling: VHSYS refuses any other value.
PAYMENT_METHODS = (
    "Dinheiro",
    "PIX",
    "Cheque",
    "Permuta",
    "Cartão de Crédito",
    "Cartão de Débito",
    "Boleto",
    "Transferência",
    "Ted",
    "Depósito Identificado",
    "Depósito em C/C",
    "Duplicata Mercantil",
    "Faturado",
    "Faturar",
    "Débito Automático",
    "Lotérica",
    "Banco",
    "DDA",
    "Pagamento online",
    "BNDES",
    "Outros",
    "DP Descontada",
    "CH Descontado",
    "Vale Alimentação",
    "Vale Refeição",
    "Vale Presente",
    "Vale Combustível",
)


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).casefold().split())


_PAYMENT_BY_FOLD = {_folded(name): name for name in PAYMENT_METHODS}


def payment_method(name: str) -> str | None:
    """The VHSYS spelling of a payment method typed with another case or accents ("pix" → "PIX",
    "cartao de credito" → "Cartão de Crédito"); None when VHSYS has no such method."""
    return _PAYMENT_BY_FOLD.get(_folded(name))


@dataclass(frozen=True)
class NfseSettings:
    """The integration's VHSYS NFS-e settings: the draft's fields (erp-apis/vhsys.md §3.6)."""

    environment: str = HOMOLOGATION  # until an administrator switches to production
    series: str = ""  # serie_nota
    nature: str = ""  # natureza_pedido: 1 taxed in the city ... 5 court decision
    regime: str = ""  # regime_pedido: 1 Simples Nacional, 2 normal
    place: str = ""  # local_prestacao: 0 issuer, 1 customer, 2 third party, 9 other
    place_city: str = ""  # local_prestacao_cidade
    service_item: str = ""  # itemLista_servico of services without a code of their own
    seller: str = ""  # vendedor_pedido
    seller_id: str = ""  # vendedor_pedido_id

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def ambiente(self) -> int:
        return 1 if self.production else 2

    def missing(self) -> tuple[str, ...]:
        """The settings both sources send on every draft that are still empty (their keys)."""
        return tuple(
            key
            for key, value in (("vhsys_nfse_series", self.series), ("vhsys_nfse_nature", self.nature))
            if not value
        )

    def body(self) -> dict[str, Any]:
        """The draft's fields these settings fill (the service list item is per draft)."""
        numbers = {
            "serie_nota": self.series,
            "natureza_pedido": self.nature,
            "regime_pedido": self.regime,
            "local_prestacao": self.place,
            "vendedor_pedido_id": self.seller_id,
        }
        body: dict[str, Any] = {"ambiente": self.ambiente}
        body.update({k: int(v) if v.isdigit() else v for k, v in numbers.items() if v})
        body.update(
            {
                k: v
                for k, v in (("local_prestacao_cidade", self.place_city), ("vendedor_pedido", self.seller))
                if v
            }
        )
        return body


@dataclass(frozen=True)
class VhsysOptions:
    """Everything about VHSYS that the notes mark as uncertain or account-specific."""

    status_open: str = "Em Aberto"
    status_done: str = VHSYS_DONE  # the base status VHSYS uses for "work done"
    status_canceled: str = VHSYS_CANCELED
    payment_method: str = "Outros"  # forma_pagamento when the installment does not name one
    consistency_wait: float = 0.65  # seconds to wait after creating a header before posting its parts
    refresh_margin: float = 600.0  # seconds re-read before the cursor (clock skew, late commits)
    # How far before a document's creation its marker is searched for, and its receivables and
    # notes listed (VHSYS's clock, date-only filters, a document created just before midnight).
    search_margin: float = 2 * 86400.0
    services_in_catalog: bool = True  # services are products with tipo_produto "Servico"; False: id_servico 0
    service_product_type: str = "Servico"
    nfse: NfseSettings = field(default_factory=NfseSettings)
    honoured_filters: frozenset[str] = frozenset()  # FILTERS "Check account" saw honoured
    stock_order: bool = True  # False: the account refused order=id_estoque on the stock history
    allow_free_text_items: bool = False  # goods without an NCM anywhere are sent all the same
    mapped_payment_methods: tuple[str, ...] = ()  # the methods the integration maps to (Check account)

    def honours(self, filter_key: str) -> bool:
        return filter_key in self.honoured_filters


def _text(settings: Mapping[str, Any], key: str) -> str:
    return str(settings.get(key) or "").strip()


def from_settings(settings: Mapping[str, Any]) -> VhsysOptions:
    """The options of an integration's settings (``erp/factory.make_client``): each key read with
    a default, so a setting another part of the addon does not send yet changes nothing."""
    facts = settings.get("account_facts") or {}
    extra: dict[str, Any] = {}
    wait = settings.get("consistency_wait")
    if wait not in (None, ""):
        try:
            extra["consistency_wait"] = max(0.0, float(wait))
        except (TypeError, ValueError):
            _logger.warning("VHSYS: consistency_wait %r is not a number; using the default", wait)
    environment = _text(settings, "vhsys_nfse_environment")
    nfse = NfseSettings(
        environment=PRODUCTION if environment == PRODUCTION else HOMOLOGATION,
        series=_text(settings, "vhsys_nfse_series"),
        nature=_text(settings, "vhsys_nfse_nature"),
        regime=_text(settings, "vhsys_nfse_regime"),
        place=_text(settings, "vhsys_nfse_place"),
        place_city=_text(settings, "vhsys_nfse_place_city"),
        service_item=_text(settings, "default_service_code"),
        seller=_text(settings, "vhsys_nfse_seller"),
        seller_id=_text(settings, "vhsys_nfse_seller_id"),
    )
    return VhsysOptions(
        payment_method=_text(settings, "default_payment_method") or "Outros",
        nfse=nfse,
        honoured_filters=frozenset(key for key in FILTERS if facts.get(key) is True),
        stock_order=facts.get("stock_order") != "refused",
        allow_free_text_items=bool(settings.get("allow_free_text_items")),
        mapped_payment_methods=tuple(str(m) for m in settings.get("mapped_payment_methods") or () if m),
        **extra,
    )
