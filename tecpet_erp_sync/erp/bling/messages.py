"""What Bling's refusals say to users: one English template per resource (the addon translates
them; ``erp/messages.py``). ``%(text)s`` is always Bling's own text."""

# pylint: disable=prefer-env-translation

from __future__ import annotations

from ..messages import _

# what a call is about -> (Bling rejected it, Bling could not find it)
RESOURCES: dict[str, tuple[str, str]] = {
    "NF-e generation": (
        _("Bling rejected the NF-e generation: %(text)s"),
        _("Bling could not find the NF-e generation."),
    ),
    "NF-e search": (
        _("Bling rejected the NF-e search: %(text)s"),
        _("Bling could not find the NF-e search."),
    ),
    "NF-e transmission": (
        _("Bling rejected the NF-e transmission: %(text)s"),
        _("Bling could not find the NF-e transmission."),
    ),
    "NF-e": (_("Bling rejected the NF-e: %(text)s"), _("Bling could not find the NF-e.")),
    "NFS-e link": (_("Bling rejected the NFS-e link: %(text)s"), _("Bling could not find the NFS-e link.")),
    "NFS-e settings": (
        _("Bling rejected the NFS-e settings: %(text)s"),
        _("Bling could not find the NFS-e settings."),
    ),
    "NFS-e transmission": (
        _("Bling rejected the NFS-e transmission: %(text)s"),
        _("Bling could not find the NFS-e transmission."),
    ),
    "NFS-e": (_("Bling rejected the NFS-e: %(text)s"), _("Bling could not find the NFS-e.")),
    "RPS note": (_("Bling rejected the RPS note: %(text)s"), _("Bling could not find the RPS note.")),
    "changed orders": (
        _("Bling rejected the changed orders: %(text)s"),
        _("Bling could not find the changed orders."),
    ),
    "company data": (
        _("Bling rejected the company data: %(text)s"),
        _("Bling could not find the company data."),
    ),
    "customer search": (
        _("Bling rejected the customer search: %(text)s"),
        _("Bling could not find the customer search."),
    ),
    "customer": (_("Bling rejected the customer: %(text)s"), _("Bling could not find the customer.")),
    "fiscal note": (
        _("Bling rejected the fiscal note: %(text)s"),
        _("Bling could not find the fiscal note."),
    ),
    "fiscal notes": (
        _("Bling rejected the fiscal notes: %(text)s"),
        _("Bling could not find the fiscal notes."),
    ),
    "order cancellation": (
        _("Bling rejected the order cancellation: %(text)s"),
        _("Bling could not find the order cancellation."),
    ),
    "order search": (
        _("Bling rejected the order search: %(text)s"),
        _("Bling could not find the order search."),
    ),
    "order": (_("Bling rejected the order: %(text)s"), _("Bling could not find the order.")),
    "payment methods": (
        _("Bling rejected the payment methods: %(text)s"),
        _("Bling could not find the payment methods."),
    ),
    "product": (_("Bling rejected the product: %(text)s"), _("Bling could not find the product.")),
    "product search": (
        _("Bling rejected the product search: %(text)s"),
        _("Bling could not find the product search."),
    ),
    "receivables": (
        _("Bling rejected the receivables: %(text)s"),
        _("Bling could not find the receivables."),
    ),
    "received receivables": (
        _("Bling rejected the received receivables: %(text)s"),
        _("Bling could not find the received receivables."),
    ),
    "service note (NFS-e)": (
        _("Bling rejected the service note (NFS-e): %(text)s"),
        _("Bling could not find the service note (NFS-e)."),
    ),
    "service notes": (
        _("Bling rejected the service notes: %(text)s"),
        _("Bling could not find the service notes."),
    ),
    "situação modules": (
        _("Bling rejected the situação modules: %(text)s"),
        _("Bling could not find the situação modules."),
    ),
    "situações": (_("Bling rejected the situações: %(text)s"), _("Bling could not find the situações.")),
    "stock exit": (_("Bling rejected the stock exit: %(text)s"), _("Bling could not find the stock exit.")),
    "stock reversal": (
        _("Bling rejected the stock reversal: %(text)s"),
        _("Bling could not find the stock reversal."),
    ),
    "receivables reversal": (
        _("Bling rejected the receivables reversal: %(text)s"),
        _("Bling could not find the receivables reversal."),
    ),
    "service order": (
        _("Bling rejected the service order: %(text)s"),
        _("Bling could not find the service order."),
    ),
    "sales order": (
        _("Bling rejected the sales order: %(text)s"),
        _("Bling could not find the sales order."),
    ),
}
REQUEST = (_("Bling rejected the request: %(text)s"), _("Bling could not find the record."))
