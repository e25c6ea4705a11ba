"""Where a person opens an ERP document in the ERP's own web application."""

from __future__ import annotations

from urllib.parse import urlsplit

# The ERPs' web applications, by provider and document type. Bling's is documented; VHSYS has
# none documented: these are the pages its web application (and its white-label copies) opens
# for one service order or sales order.
APP_URLS = {
    ("bling", "service_order"): "https://www.bling.com.br/vendas.php#edit/{id}",
    ("bling", "sales_order"): "https://www.bling.com.br/vendas.php#edit/{id}",
    (
        "vhsys",
        "service_order",
    ): "https://app.vhsys.com.br/index.php?Secao=Servicos.Ordem&Modulo=Servicos#!editar/{id}",
    (
        "vhsys",
        "sales_order",
    ): "https://app.vhsys.com.br/index.php?Secao=Vendas.Pedidos&Modulo=Vendas#!editar/{id}",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def document_url(provider: str, api_url: str, doc_type: str, external_id: str) -> str:
    """The ERP page of one document ('' when it has no ERP id yet).

    An integration pointing at the ERP sandbox (a loopback URL) links to the sandbox's page,
    where the demo's documents live, not to the real ERP where they do not exist.
    """
    if not external_id:
        return ""
    parts = urlsplit(api_url or "")
    if parts.hostname in LOCAL_HOSTS:
        return f"{parts.scheme}://{parts.netloc}/#{provider}-{doc_type}-{external_id}"
    template = APP_URLS.get((provider, doc_type))
    return template.format(id=external_id) if template else ""


# Real API hosts, and the paths the ERP sandbox serves each provider under.
API_URLS = {
    "vhsys": "https://api.vhsys.com/v2",
    "bling": "https://api.bling.com.br/Api/v3",
}
SANDBOX_PATHS = {"vhsys": "/vhsys/v2", "bling": "/bling/Api/v3"}


def api_url_for(provider: str, current: str) -> str:
    """The API URL after switching an integration to ``provider``.

    A provider's own host (real or sandbox) becomes the new provider's; any other URL (a proxy,
    a mirror) was typed on purpose and is kept.
    """
    if not current or current in API_URLS.values():
        return API_URLS.get(provider, current)
    for path in SANDBOX_PATHS.values():
        if current.rstrip("/").endswith(path) and urlsplit(current).hostname in LOCAL_HOSTS:
            return current.rstrip("/")[: -len(path)] + SANDBOX_PATHS.get(provider, path)
    return current
