# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The README's pictures, taken by the browser tests at a chosen step of their tours.

`make screenshot` sets TECPET_SCREENSHOTS to a folder. A tour step made by ``screenshotStep``
(static/tests/tours/screenshot.js) logs ``SIGNAL + name``; while the tour waits on that step the
page is captured into ``<folder>/<name>.png``. Without the variable the step is an ordinary
one and the tours are plain tests of ``make test``.
"""

import base64
import contextlib
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

SIGNAL = "tecpet_erp_sync screenshot:"
# The company the pictures show (the test companies have test names).
COMPANY_NAME = "Clínica PetVida Ltda"


class ScreenshotTourMixin:
    """For HttpCase classes: ``start_tour`` also takes the pictures its tour asks for."""

    # Wide enough for every column of the Invoices list, small enough for light PNGs.
    browser_size = "1440x810"

    def invoicing_url(self, path="invoicing"):
        """``/odoo/<path>`` with the Invoicing menu above it (the web client does not find the
        app of the Invoices action by itself), as a clerk who came through the menu sees it."""
        return f"/odoo/{path}?menu_id={self.env.ref('account.menu_finance').id}"

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        folder = os.environ.get("TECPET_SCREENSHOTS")
        if not folder:
            return super().start_tour(url_path, tour_name, step_delay, **kwargs)
        taken = []
        with self._taking_pictures(Path(folder), taken):
            result = super().start_tour(url_path, tour_name, step_delay, **kwargs)
        # The browser has closed: every picture asked for is on disk, or the run says which is not.
        for path in taken:
            self.assertTrue(path.is_file() and path.stat().st_size, f"screenshot {path} was not written")
        return result

    @contextlib.contextmanager
    def _taking_pictures(self, folder, taken):
        original = ChromeBrowser._handle_console
        logger = self._logger

        def handle_console(browser, *args, **kw):
            # Chrome's Runtime.consoleAPICalled event: its kind ("log"...) and its arguments.
            kind, values = kw.get("type", args[0] if args else ""), kw.get("args") or []
            text = str(browser._from_remoteobject(values[0])) if values else ""
            if kind == "log" and text.startswith(SIGNAL):
                path = folder / f"{Path(text[len(SIGNAL) :].strip()).name}.png"
                taken.append(path)

                def write(future):
                    path.write_bytes(base64.b64decode(future.result()["data"]))
                    logger.info("screenshot written to %s", path)

                # Sent, not awaited: this runs in the thread that reads the browser's answers.
                future = browser._websocket_send(
                    "Page.captureScreenshot", params={"format": "png"}, with_future=True
                )
                future.add_done_callback(write)
            return original(browser, *args, **kw)

        folder.mkdir(parents=True, exist_ok=True)
        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            yield
