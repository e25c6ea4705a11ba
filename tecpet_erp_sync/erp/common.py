"""What the VHSYS and Bling clients share besides ``formatting`` and ``states``.

Brasília time, the read-back cursor, and the bridge from the formatters (which raise ValueError on
a value they cannot format) to the clients (which must answer a ``DataError`` naming the field:
a bad value gets a message, never a traceback).
"""

# pylint: disable=prefer-env-translation
# (messages are marked with messages._ and translated by the Odoo side)

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from .contract import DocRef, OrderRequest, RemoteStatus, Unreadable
from .errors import AuthError, DataError, ErpError, TransientError
from .formatting import digits, format_phone_br, parse_phone_br, quoted
from .messages import _

_logger = logging.getLogger(__name__)

BRT = ZoneInfo("America/Sao_Paulo")  # Brasília time, as the ERPs keep it (the tz database knows its rules)
PRODUCT_IDS_TTL = 900.0  # seconds a looked-up ERP product id (or its absence) is trusted


class ProductIds:
    """ERP product ids by product code, per account, shared by the clients of this process.

    A returning product costs no lookup: the clients of one account (a new one per job run) read
    what an earlier run found, for ``ttl`` seconds, absences included (a code the ERP has no
    product for stays a free-text item), so a product added, changed or deleted in the ERP is seen
    within that time. A document the ERP refuses for a remembered product makes the client
    ``forget`` the account's ids and look them up again before it sends it once more.
    """

    def __init__(self, ttl: float = PRODUCT_IDS_TTL, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._ids: dict[tuple[str, str], tuple[float, int]] = {}

    def known(self, account: str, codes: Iterable[str]) -> dict[str, int]:
        """The codes looked up less than ``ttl`` ago: their id, 0 when the ERP had none."""
        now = self._clock()
        with self._lock:
            entries = {code: self._ids.get((account, code)) for code in codes}
        return {code: entry[1] for code, entry in entries.items() if entry and now - entry[0] < self.ttl}

    def remember(self, account: str, ids: dict[str, int]) -> None:
        now = self._clock()
        with self._lock:
            self._ids.update({(account, code): (now, product_id) for code, product_id in ids.items()})

    def forget(self, account: str) -> None:
        with self._lock:
            for key in [key for key in self._ids if key[0] == account]:
                del self._ids[key]

    def clear(self) -> None:
        """Forget every account's ids (an ERP reset under the clients: tests, the sandbox)."""
        with self._lock:
            self._ids.clear()


def parse_cursor(since: str | None, *, naive_tz: dt.tzinfo, provider: str) -> dt.datetime | None:
    """The moment a read-back cursor stands for, or None (read every given document) when there is
    none or it cannot be read. A cursor without an offset is taken in ``naive_tz``."""
    if not since:
        return None
    try:
        moment = dt.datetime.fromisoformat(since.strip())
    except ValueError:
        _logger.warning("%s: unreadable read-back cursor %r; reading every given document", provider, since)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=naive_tz)


def customer_value(
    format_value: Callable[[str], str], value: str, *, field: str, label: str, provider: str
) -> str:
    """``format_value(value)``: a CPF/CNPJ or CEP as the ERP wants it.

    An empty value gives "" (the ERP's own rules say whether the field is required); a value the
    formatter refuses (wrong number of digits) becomes a DataError naming the field. ``label``
    (CEP, CPF/CNPJ) and ``provider`` are names, the same in every language.
    """
    if not (value or "").strip():
        return ""
    try:
        return format_value(value)
    except ValueError as exc:
        raise DataError(
            _(
                'The customer\'s %(label)s "%(value)s" cannot be sent to %(erp)s: it has %(count)s '
                "digits, which is not a valid %(label)s. Fix the customer's %(label)s."
            ),
            field=field,
            label=label,
            value=quoted(value),
            erp=provider,
            count=len(digits(value)),
        ) from exc


def customer_phone(value: str) -> tuple[str, bool]:
    """(phone as both ERPs show it, whether it is a mobile): ``(11) 99999-9999`` or ``(11) 3333-4444``.

    A number that is not a Brazilian landline or mobile goes as typed: customer validation has
    already had its say, and the ERP's own rejection names its field.
    """
    national = parse_phone_br(value)
    if national is None:
        return (value or "").strip(), False
    return format_phone_br(national), len(national) == 11  # DDD + 9 digits: a mobile


def check_amounts(order: OrderRequest) -> None:
    """Every quantity, price, discount and installment of ``order`` is a finite number.

    NaN or Infinity cannot be sent (the formatters raise on them, and comparing them raises too):
    say which line is wrong instead.
    """
    for line in order.lines:
        if not all(Decimal(v).is_finite() for v in (line.quantity, line.unit_price, line.discount_percent)):
            raise DataError(
                _('Line "%(line)s" has a quantity, price or discount that is not a number.'),
                line=line.description[:60],
            )
    for n, inst in enumerate(order.installments, 1):
        if not Decimal(inst.amount).is_finite():
            raise DataError(_("Installment %(number)s has an amount that is not a number."), number=n)


def read_each(
    refs: Iterable[DocRef], read: Callable[[DocRef], RemoteStatus | None]
) -> tuple[tuple[RemoteStatus, ...], tuple[Unreadable, ...]]:
    """Read the state of each document; one that cannot be read never stops the others.

    Credentials refused or the ERP unreachable stop the whole read-back (the next run does it
    again); anything else (an answer we cannot parse, a bug) marks that one document unreadable.
    """
    statuses, unreadable = [], []
    for ref in refs:
        try:
            status = read(ref)
        except (AuthError, TransientError):
            raise
        except Exception as exc:  # pylint: disable=broad-except
            _logger.warning("Read-back of %s %s failed", ref.doc_type.value, ref.external_id, exc_info=True)
            error = exc
            if not isinstance(exc, ErpError):
                error = ErpError(
                    _("The ERP's answer could not be read (%(error)s)."), error=type(exc).__name__
                )
            unreadable.append(Unreadable(ref, error))
            continue
        if status is not None:
            statuses.append(status)
    return tuple(statuses), tuple(unreadable)
