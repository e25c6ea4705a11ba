# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The jobs' numeric system parameters, read in one place.

An administrator types them in Settings → Technical → System Parameters, where nothing checks
them: a value that is not a number (or out of range) is logged as a warning and replaced by the
default (or the nearest bound), so a typo never makes a cron fail at every run (N25).
"""

import logging
import math

_logger = logging.getLogger(__name__)

PREFIX = "tecpet_erp_sync."


def number_param(env, key, default, *, kind=int, minimum=None, maximum=None):
    """The system parameter ``key`` as a ``kind`` (int or float) within [minimum, maximum];
    ``default`` when it is unset, empty or not a number."""
    raw = env["ir.config_parameter"].sudo().get_param(key)
    if raw is None or raw is False or not str(raw).strip():
        return default
    try:
        value = kind(str(raw).strip())
        if not math.isfinite(value):
            raise ValueError(raw)
    except (TypeError, ValueError):
        _logger.warning("ERP sync: system parameter %s=%r is not a number; %r is used", key, raw, default)
        return default
    bounded = min(maximum, value) if maximum is not None else value
    bounded = max(minimum, bounded) if minimum is not None else bounded
    if bounded != value:
        _logger.warning("ERP sync: system parameter %s=%r is out of range; %r is used", key, raw, bounded)
    return bounded
