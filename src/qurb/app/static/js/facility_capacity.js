// The facility panel's capacity, equipment and workbook parts: what they read (the
// facility's rights, capacity and its history, equipment; the measures' catalogue and the
// services' names, once per language), what they draw, and the actions of their buttons.
import { ApiError, enc, getJSON, sendFile } from "./api.js";
import { capacityHistory, capacitySection, equipmentSection, labelOf, workbookSection } from "./capacity.js";
import { CapacityEditor } from "./capacity_form.js";
import { escapeHtml, lang, num, t } from "./i18n.js";

const e = escapeHtml;
const NO_RIGHTS = { read: false, edit: false, edit_province: false };

// The province's workbook: filled, it is sent to its import (all or nothing).
const IMPORT_ROUTE = "/api/capacity/import";
const IMPORTABLE = true;

// The measures' catalogue as the page uses it: each list's entries, the bounds together.
function shaped(measures) {
  const entries = (list) => list?.entries ?? list ?? [];
  const lists = ["professions", "specialties", "bed_services", "equipment_kinds", "equipment_groups"];
  return {
    ...Object.fromEntries(lists.map((name) => [name, entries(measures[name])])),
    sources: Object.fromEntries(lists.map((name) => [name, measures[name]?.source ?? ""])),
    bounds: { beds_max: measures.beds_max, staff_max: measures.staff_max },
  };
}

export class FacilityCapacityView {
  constructor(dialog, { anonymous, onSaved, onStale }) {
    this.anonymous = anonymous;
    this.catalogues = new Map(); // lang → {measures, services}
    this.editor = new CapacityEditor(dialog, { onSaved, onStale });
  }

  async _catalogue() {
    const here = lang();
    if (!this.catalogues.has(here)) {
      this.catalogues.set(
        here,
        Promise.all([getJSON(`/api/capacity/measures?lang=${here}`), getJSON("/api/services")]).then(
          ([measures, services]) => ({
            measures: shaped(measures),
            services: new Map(services.map((s) => [s.code, s])),
          }),
        ),
      );
    }
    try {
      return await this.catalogues.get(here);
    } catch (error) {
      this.catalogues.delete(here);
      throw error;
    }
  }

  /** What the panel shows of a facility: read together; history for a reader who may. A
   * part that cannot be read is left out (null), the rest is shown. */
  async load(record) {
    const id = enc(record.id);
    const rights = this.anonymous ? NO_RIGHTS : await getJSON(`/api/facilities/${id}/rights`);
    const [capacity, equipment, history, catalogue] = await Promise.all([
      getJSON(`/api/facilities/${id}/capacity`).catch(() => null),
      getJSON(`/api/equipment?facility=${id}`).catch(() => null),
      rights.read ? getJSON(`/api/facilities/${id}/capacity/history`).catch(() => null) : null,
      this._catalogue().catch(() => null),
    ]);
    const items = equipment === null ? null : Array.isArray(equipment) ? equipment : (equipment.items ?? []);
    return { rights, capacity, equipment: items, history, importable: IMPORTABLE, ...(catalogue ?? {}) };
  }

  /** The catalogues in the page's language, after a switch; false when nothing changed. */
  async relabel(what) {
    const catalogue = await this._catalogue().catch(() => null);
    if (!catalogue || catalogue.measures === what.measures) return false;
    Object.assign(what, catalogue);
    return true;
  }

  html(record, what) {
    if (!what?.measures) return "";
    const serviceName = (code) => {
      const s = what.services.get(code);
      return s ? s[`name_${lang()}`] || s.name_fr : code;
    };
    const options = { rights: what.rights, anonymous: this.anonymous, serviceName };
    return `${what.capacity ? capacitySection(record, what.capacity, what.measures, options) : ""}
      ${what.equipment ? equipmentSection(record, what.equipment, what.measures, options) : ""}
      ${capacityHistory(what.history, what.measures)}
      ${workbookSection(record, what.rights, { importable: what.importable })}`;
  }

  /** The panel's click on one of this part's buttons; false when it is not one. */
  act(action, target, facility) {
    const { record, what } = facility;
    if (action === "edit-capacity") this.editor.capacity(record, what.capacity, what.measures);
    else if (action === "add-equipment") this.editor.addEquipment(record, what.measures);
    else if (action === "equipment-status") {
      const item = what.equipment.find((x) => String(x.id) === target.dataset.equipment);
      const kind = (what.measures.equipment_kinds ?? []).find((k) => k.code === item?.kind);
      if (item) this.editor.status(record, item, kind ? labelOf(kind) : item.kind);
    } else return false;
    return true;
  }

  /** The import of a filled workbook: its result, or every problem the server found. */
  async importWorkbook(form, province, onDone) {
    const box = form.querySelector(".errors");
    const done = form.querySelector(".saved");
    const file = form.querySelector("input[type=file]").files[0];
    box.hidden = true;
    done.hidden = true;
    if (!file) {
      box.hidden = false;
      box.innerHTML = `<p>${t("facility.workbook.no_file")}</p>`;
      return;
    }
    try {
      // The province it must be: another province's workbook is refused, nothing written.
      const result = await sendFile(`${IMPORT_ROUTE}?province=${enc(province)}`, file);
      const message = t("facility.workbook.imported", {
        facilities: num(result.facilities),
        values: num(result.values),
        equipment: num(result.equipment_added + result.equipment_changed),
      });
      await onDone?.(); // the panel drawn again, with what the workbook changed
      const slot = document.querySelector("#panel [data-section=workbook] .saved") ?? done;
      slot.hidden = false;
      slot.textContent = message;
    } catch (error) {
      const detail = error instanceof ApiError ? error.detail : [];
      box.hidden = false;
      box.innerHTML = `<p>${t("facility.workbook.refused")}</p><p class="message">${e(error.message)}</p>
        <ul>${detail.map((d) => `<li>${d.row ? `<bdi>${e(t("facility.workbook.row", { row: d.row }))}</bdi> · ` : ""}<code>${e(d.field)}</code>${t("punct.colon")} ${e(d.reason)}</li>`).join("")}</ul>`;
    }
  }
}
