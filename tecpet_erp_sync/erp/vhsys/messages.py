"""What VHSYS's refusals say to users: one English template per resource and per field (the
addon translates them; ``erp/messages.py``). ``%(text)s`` is always VHSYS's own text."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from ..messages import _

# what a call is about -> (VHSYS rejected it, VHSYS does not know it any more)
RESOURCES: dict[str, tuple[str, str]] = {
    "customer": (
        _("VHSYS rejected the customer: %(text)s"),
        _("VHSYS does not know the customer any more (%(text)s)."),
    ),
    "customer search": (
        _("VHSYS rejected the customer search: %(text)s"),
        _("VHSYS does not know the customer any more (%(text)s)."),
    ),
    "product": (
        _("VHSYS rejected the product: %(text)s"),
        _("VHSYS does not know the product any more (%(text)s)."),
    ),
    "product search": (
        _("VHSYS rejected the product search: %(text)s"),
        _("VHSYS does not know the product any more (%(text)s)."),
    ),
    "service order": (
        _("VHSYS rejected the service order: %(text)s"),
        _("VHSYS does not know the service order any more (%(text)s)."),
    ),
    "sales order": (
        _("VHSYS rejected the sales order: %(text)s"),
        _("VHSYS does not know the sales order any more (%(text)s)."),
    ),
    "document": (
        _("VHSYS rejected the document: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "document search": (
        _("VHSYS rejected the document search: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "document list": (
        _("VHSYS rejected the document list: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "lines": (
        _("VHSYS rejected the document's lines: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "service lines": (
        _("VHSYS rejected the service order's service lines: %(text)s"),
        _("VHSYS does not know the service order any more (%(text)s)."),
    ),
    "items": (
        _("VHSYS rejected the document's lines: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "installments": (
        _("VHSYS rejected the document's installments: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "stock exit": (
        _("VHSYS rejected the stock exit: %(text)s"),
        _("VHSYS does not know the product any more (%(text)s)."),
    ),
    "stock reversal": (
        _("VHSYS rejected the stock reversal: %(text)s"),
        _("VHSYS does not know the product any more (%(text)s)."),
    ),
    "stock history": (
        _("VHSYS rejected the stock history: %(text)s"),
        _("VHSYS does not know the product any more (%(text)s)."),
    ),
    "cancellation": (
        _("VHSYS rejected the cancellation: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "rollback": (
        _("VHSYS rejected the removal of the half-built document: %(text)s"),
        _("VHSYS does not know the document any more (%(text)s)."),
    ),
    "NFS-e": (
        _("VHSYS rejected the NFS-e: %(text)s"),
        _("VHSYS does not know the NFS-e any more (%(text)s)."),
    ),
    "NFS-e list": (
        _("VHSYS rejected the NFS-e list: %(text)s"),
        _("VHSYS does not know the NFS-e any more (%(text)s)."),
    ),
    "NF-e list": (
        _("VHSYS rejected the NF-e list: %(text)s"),
        _("VHSYS does not know the NF-e any more (%(text)s)."),
    ),
    "receivables": (
        _("VHSYS rejected the receivables list: %(text)s"),
        _("VHSYS does not know the receivables any more (%(text)s)."),
    ),
    "receivable": (
        _("VHSYS refused to remove the cancelled order's receivable: %(text)s"),
        _("VHSYS does not know the receivable any more (%(text)s)."),
    ),
}
REQUEST = (
    _("VHSYS rejected the request: %(text)s"),
    _("VHSYS does not know the record any more (%(text)s)."),
)
FIELD_REJECTED = _("VHSYS rejected the %(name)s field: %(text)s")

# A rejection that names one of these VHSYS fields says which one, as users call it.
FIELDS: dict[str, str] = {
    "razao_cliente": _("VHSYS rejected the customer name: %(text)s"),
    "cnpj_cliente": _("VHSYS rejected the customer's CPF/CNPJ: %(text)s"),
    "tipo_pessoa": _("VHSYS rejected the customer's person type: %(text)s"),
    "endereco_cliente": _("VHSYS rejected the customer's street: %(text)s"),
    "numero_cliente": _(
        "VHSYS rejected the customer's street number (VHSYS takes at most 7 characters): %(text)s"
    ),
    "bairro_cliente": _(
        "VHSYS rejected the customer's neighbourhood (VHSYS takes at most 45 characters): %(text)s"
    ),
    "complemento_cliente": _(
        "VHSYS rejected the customer's address complement (VHSYS takes at most 45 characters): %(text)s"
    ),
    "cep_cliente": _("VHSYS rejected the customer's CEP: %(text)s"),
    "cidade_cliente": _("VHSYS rejected the customer's city: %(text)s"),
    "uf_cliente": _("VHSYS rejected the customer's state (UF): %(text)s"),
    "fone_cliente": _("VHSYS rejected the customer's phone: %(text)s"),
    "celular_cliente": _("VHSYS rejected the customer's mobile phone: %(text)s"),
    "email_cliente": _("VHSYS rejected the customer's e-mail: %(text)s"),
    "insc_estadual_cliente": _("VHSYS rejected the customer's state registration (IE): %(text)s"),
    "id_cliente": _("VHSYS rejected the document's customer: %(text)s"),
    "nome_cliente": _("VHSYS rejected the document's customer name: %(text)s"),
    "desc_produto": _("VHSYS rejected the product description: %(text)s"),
    "cod_produto": _("VHSYS rejected the product internal reference: %(text)s"),
    "valor_produto": _("VHSYS rejected the product price: %(text)s"),
    "id_produto": _("VHSYS rejected the line's product: %(text)s"),
    "qtde_produto": _("VHSYS rejected the line's quantity: %(text)s"),
    "valor_unit_produto": _("VHSYS rejected the line's unit price: %(text)s"),
    "desc_servico": _("VHSYS rejected the service description: %(text)s"),
    "horas_servico": _("VHSYS rejected the service quantity: %(text)s"),
    "valor_unit_servico": _("VHSYS rejected the service unit price: %(text)s"),
    "data_parcela": _("VHSYS rejected the installment due date: %(text)s"),
    "valor_parcela": _("VHSYS rejected the installment amount: %(text)s"),
    "forma_pagamento": _("VHSYS rejected the payment method: %(text)s"),
    "desc_servicos": _("VHSYS rejected the service description of the NFS-e: %(text)s"),
    "insc_municipal_cliente": _("VHSYS rejected the customer's municipal registration (IM): %(text)s"),
    "fantasia_cliente": _("VHSYS rejected the customer's trade name: %(text)s"),
    "ncm_produto": _("VHSYS rejected the product's NCM: %(text)s"),
    "frete_pedido": _("VHSYS rejected the sales order's freight: %(text)s"),
    "serie_nota": _(
        "VHSYS rejected the NFS-e series (%(text)s): check the VHSYS NFS-e settings of the ERP integration."
    ),
    "natureza_pedido": _(
        "VHSYS rejected the NFS-e nature of operation (%(text)s): check the VHSYS NFS-e settings of the "
        "ERP integration."
    ),
    "vendedor_pedido": _(
        "VHSYS rejected the NFS-e seller (%(text)s): fill in the seller in the VHSYS NFS-e settings of the "
        "ERP integration, as VHSYS lists it (Cadastros → Vendedores)."
    ),
    "vendedor_pedido_id": _(
        "VHSYS rejected the NFS-e seller id (%(text)s): check the seller in the VHSYS NFS-e settings of the "
        "ERP integration."
    ),
    "itemLista_servico": _(
        "VHSYS rejected the NFS-e service list item (%(text)s): check the product's NFS-e service code or "
        "the integration's default service code."
    ),
    "local_prestacao": _(
        "VHSYS rejected the NFS-e place of service (%(text)s): check the VHSYS NFS-e settings of the ERP "
        "integration."
    ),
    "local_prestacao_cidade": _(
        "VHSYS rejected the NFS-e city of service (%(text)s): check the VHSYS NFS-e settings of the ERP "
        "integration."
    ),
    "regime_pedido": _(
        "VHSYS rejected the NFS-e tax regime (%(text)s): check the VHSYS NFS-e settings of the ERP "
        "integration."
    ),
    "ambiente": _(
        "VHSYS rejected the NFS-e environment (%(text)s): check the VHSYS NFS-e settings of the ERP "
        "integration."
    ),
    "valor_total_servicos": _("VHSYS rejected the services total: %(text)s"),
}

# (while a change was being sent, while reading)
NO_JSON = (
    _(
        "VHSYS answered HTTP %(status)s without a JSON body while a change was being sent; "
        "it may or may not have been applied."
    ),
    _("VHSYS answered HTTP %(status)s without a JSON body; retrying later."),
)
UNAVAILABLE = (
    _("VHSYS is unavailable (%(text)s) while a change was being sent; it may or may not have been applied."),
    _("VHSYS is unavailable (%(text)s); retrying later."),
)
FAILED = (
    _("VHSYS failed (%(text)s) while a change was being sent; it may or may not have been applied."),
    _("VHSYS failed (%(text)s); retrying later."),
)
