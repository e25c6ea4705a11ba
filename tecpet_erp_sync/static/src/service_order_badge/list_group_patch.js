/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Grouped by the Service Order column, invoices outside the ERP flow are the "—" group, as in the
// column itself, not "None".
import {patch} from "@web/core/utils/patch";
import {ListRenderer} from "@web/views/list/list_renderer";

patch(ListRenderer.prototype, {
    getGroupDisplayName(group) {
        if (group.groupByField.name === "service_order_state" && !group.value) {
            return "—";
        }
        return super.getGroupDisplayName(group);
    },
});
