"""Typed ERP errors. ``outcome.classify`` says what each means for a document; the addon words it."""

from __future__ import annotations


class ErpError(Exception):
    """Base class. ``message`` is safe to show to a user: it never contains credentials.

    ``template`` is an English message with ``%(name)s`` placeholders, marked with
    ``messages._`` so that the translation export finds it, and ``params`` its values: the addon
    shows ``env._(template, **params)`` (the user's language), logs and scripts ``message``
    (English). ``erp_message`` is what the ERP itself wrote, quoted as is.
    """

    kind = "internal"  # data | connection | internal (tecpet.erp.document.error_kind)

    def __init__(self, template: str, *, erp_message: str = "", **params: str | int):
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)
        self.erp_message = erp_message


class DataError(ErpError):
    """The ERP rejected the data (customer, product...). The user fixes the record and reprocesses."""

    kind = "data"

    def __init__(self, template: str, *, field: str = "", erp_message: str = "", **params: str | int):
        super().__init__(template, erp_message=erp_message, **params)
        self.field = field


class InvoiceError(DataError):
    """The invoice itself cannot go as it is (its documents would not add up to it, its lines
    changed since it was posted): the message says how to correct the invoice; no record of
    the customer or a product is at fault, and Reprocess alone would send the same."""


class AuthError(ErpError):
    """Credentials rejected or revoked. Stop calling until an administrator fixes the integration."""

    kind = "connection"


class SetupError(ErpError):
    """The ERP refused this request for a reason the integration's setup must fix (a Bling app
    without the scope, an API URL that redirects forever). The document fails with a message that
    says what to change; unlike ``AuthError`` the integration keeps working for everything else."""

    kind = "connection"


class NotSupported(ErpError):
    """The ERP's API cannot do this; a person does it in the ERP and the result is read back."""

    kind = "data"


class TransientError(ErpError):
    """Timeout, 5xx, HTML error page, VHSYS outage body: nothing was applied, retry later."""

    kind = "connection"


class RateLimited(TransientError):
    """HTTP 429. ``retry_after`` is in seconds."""

    def __init__(
        self, template: str, *, retry_after: float = 1.0, erp_message: str = "", **params: str | int
    ):
        super().__init__(template, erp_message=erp_message, **params)
        self.retry_after = retry_after


class QuotaExhausted(RateLimited):
    """The account's daily request quota is spent (Bling: 429 with ``period: day``). Nothing is
    sent again before ``retry_after`` (the quota's reset), and nothing counts as done meanwhile."""


class UnknownOutcome(TransientError):
    """A write may or may not have been applied (timeout after sending). Search by marker before retrying."""
