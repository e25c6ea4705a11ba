/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A tour step that asks for a picture of the page for the README (tests/screenshots.py takes it
// when `make screenshot` runs). It waits until no notification covers the page, and holds the
// tour a moment so that the next step does not change the page before the picture is taken.
export const SCREENSHOT_SIGNAL = "tecpet_erp_sync screenshot:";

export function screenshotStep(name) {
    return {
        content: `Picture for the README: ${name}`,
        trigger: "body:not(:has(.o_notification))",
        async run() {
            console.log(`${SCREENSHOT_SIGNAL}${name}`);
            await new Promise((resolve) => setTimeout(resolve, 500));
        },
    };
}
