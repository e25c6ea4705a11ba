/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The core badge renders nothing for an empty value; the Service Order column shows "—" there,
// without colour, for invoices outside the ERP flow (PRODUCT.md 2.2). Open is the core's neutral
// grey; core gives "muted" that same grey, so a cancelled invoice is faded to recede further.
// Issued is bold (PRODUCT.md 2.2).
import {registry} from "@web/core/registry";
import {BadgeField, badgeField} from "@web/views/fields/badge/badge_field";

export class ServiceOrderBadgeField extends BadgeField {
    static template = "tecpet_erp_sync.ServiceOrderBadgeField";

    get classFromDecoration() {
        const classes = super.classFromDecoration;
        const value = this.props.record.data[this.props.name];
        if (value === "canceled") {
            return `${classes} opacity-50`;
        }
        // Issued and Fulfilled are both green: the note issued is the end of the flow, in bold.
        return value === "issued" ? `${classes} fw-bolder` : classes;
    }
}

registry.category("fields").add("service_order_badge", {
    ...badgeField,
    component: ServiceOrderBadgeField,
});
