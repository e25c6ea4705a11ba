# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The text of an ERP error as a user reads it, in ``env``'s language.

The ERP layer raises ``ErpError`` with an English template and its parameters (``erp/errors.py``);
every job, button, wizard and controller that shows or stores an error for a user goes through
``erp_error_text``, so none shows the English ``exc.message`` (that one is for the logs).
"""


def erp_error_text(env, exc, *, quote_erp=True):
    """``exc``'s message translated into ``env.lang``, then the field the ERP named (a
    ``DataError``'s) and, with ``quote_erp``, what the ERP itself wrote, quoted as is."""
    text = env._(exc.template, **exc.params)  # pylint: disable=translation-not-lazy
    if getattr(exc, "field", ""):
        text += f" ({exc.field})"
    if quote_erp and exc.erp_message:
        text += env._("\nThe ERP said: %(text)s", text=exc.erp_message)
    return text
