// The forms that change what a facility has: its capacity (every value with its source and
// as-of date), a new piece of equipment, an item's status. The numbers are checked in the
// browser as the server checks them (whole, not negative, within the domain's bounds; the
// date not in the future); the server checks again and its refusals are shown field by
// field; a change names the version it read (If-Match), and a 409 says someone changed it
// meanwhile (the panel behind shows it as it is now).
import { ApiError, enc, send } from "./api.js";
import { currentValues, labelOf } from "./capacity.js";
import { escapeHtml, num, t } from "./i18n.js";

const e = escapeHtml;
const MAX_TEXT = 200;
const known = (v) => v !== null && v !== undefined;
// A measure of a group: "beds.surgery", "staff.nurse", "specialists.cardiology".
const measureOf = (group, code) => [group, code].join(".");

/** Today's date (UTC, as the server dates it), YYYY-MM-DD. */
export const today = () => new Date().toISOString().slice(0, 10);

function field(name, labelText, { type = "text", value = "", required = false, hint = "", attrs = "" } = {}) {
  return `<label class="field" data-name="${e(name)}"><span>${labelText}${required ? ` <abbr class="required" title="${e(t("form.required"))}">*</abbr>` : ""}</span>
    <input name="${e(name)}" type="${type}" value="${e(value ?? "")}" ${required ? "required" : ""} ${attrs}>
    ${hint ? `<small>${hint}</small>` : ""}<em class="field-error" hidden></em></label>`;
}

function countField(name, labelText, value, max) {
  return field(name, labelText, { type: "number", value, attrs: `min="0" max="${max}" step="1" inputmode="numeric"` });
}

/** The problems the browser finds before sending: [{field, reason}], as the server words them. */
export function checkCapacity(data, measureNames, bounds) {
  const problems = [];
  if (!String(data.source ?? "").trim()) problems.push({ field: "source", reason: t("facility.capacity.check.required") });
  else if (data.source.length > MAX_TEXT) problems.push({ field: "source", reason: t("facility.capacity.check.too_long", { max: MAX_TEXT }) });
  problems.push(...checkDate(data, "as_of", { required: true }));
  for (const measure of measureNames) {
    const raw = String(data[measure] ?? "").trim();
    if (raw === "") continue;
    const max = measure.startsWith("beds") ? bounds.beds_max : bounds.staff_max;
    if (!/^\d+$/.test(raw)) problems.push({ field: measure, reason: t("facility.capacity.check.whole") });
    else if (max !== undefined && Number(raw) > max) problems.push({ field: measure, reason: t("facility.capacity.check.max", { max: num(max) }) });
  }
  if (String(data.hours ?? "").length > MAX_TEXT) problems.push({ field: "hours", reason: t("facility.capacity.check.too_long", { max: MAX_TEXT }) });
  return problems;
}

function checkDate(data, name, { required = false } = {}) {
  const value = String(data[name] ?? "");
  if (!value) return required ? [{ field: name, reason: t("facility.capacity.check.required") }] : [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return [{ field: name, reason: t("facility.capacity.check.date") }];
  if (value > today()) return [{ field: name, reason: t("facility.capacity.check.future") }];
  return [];
}

// The input a problem names: its whole field, else without its leading parts (the
// server may name `values.beds.surgery` or `body.source`).
function inputFor(form, name) {
  const parts = String(name || "").replaceAll("/", ".").split(".");
  for (let i = 0; i < parts.length; i += 1) {
    const input = form.querySelector(`[name="${CSS.escape(parts.slice(i).join("."))}"]`);
    if (input) return input;
  }
  return null;
}

function showErrors(form, error, detail = null) {
  const box = form.querySelector(".errors");
  for (const el of form.querySelectorAll(".field-error")) el.hidden = true;
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const problems = detail ?? (error instanceof ApiError ? error.detail : []);
  const stale = error instanceof ApiError && error.code === "stale_version";
  box.hidden = false;
  box.innerHTML = `<p>${t("form.errors")}</p>${error ? `<p class="message">${e(error.message)}</p>` : ""}
    ${stale ? `<p class="stale">${t("facility.capacity.stale")}</p>` : ""}
    <ul>${problems.map((d) => `<li data-field="${e(d.field)}"><code>${e(d.field)}</code>${t("punct.colon")} ${e(d.reason)}</li>`).join("")}</ul>`;
  for (const d of problems) {
    const input = inputFor(form, d.field);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const slot = input.closest(".field")?.querySelector(".field-error");
    if (slot) {
      slot.hidden = false;
      slot.textContent = d.reason;
    }
  }
  (form.querySelector("[aria-invalid=true]") ?? box).focus?.();
}

// A group of equipment kinds in words (the measures' catalogue names them).
function groupName(measures, code) {
  const groups = measures.equipment_groups ?? [];
  const found = Array.isArray(groups) ? groups.find((g) => g.code === code) : groups[code];
  return found ? labelOf(found) : code;
}

export class CapacityEditor {
  constructor(dialog, { onSaved, onStale }) {
    this.dialog = dialog;
    this.onSaved = onSaved;
    this.onStale = onStale;
  }

  // `check(data)`: the browser's problems (none: sent); `submit(data)`: the request.
  _open(title, body, { check = () => [], submit }) {
    this.dialog.innerHTML = `<form method="dialog" class="editor capacity-editor" novalidate>
      <h2>${e(title)}</h2>
      <div class="errors" role="alert" tabindex="-1" hidden></div>
      ${body}
      <div class="actions"><button type="submit" class="primary" data-action="save">${t("form.save")}</button>
      <button type="button" data-action="cancel">${t("form.cancel")}</button></div></form>`;
    const form = this.dialog.querySelector("form");
    form.querySelector("[data-action=cancel]").addEventListener("click", () => this.dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      const problems = check(data);
      if (problems.length) return showErrors(form, null, problems);
      try {
        const saved = await submit(data);
        this.dialog.close();
        await this.onSaved(saved);
      } catch (error) {
        showErrors(form, error);
        if (error instanceof ApiError && error.code === "stale_version") await this.onStale?.();
      }
    });
    this.dialog.showModal();
  }

  /** Change the facility's capacity: every value it shows, with one source and date. */
  capacity(facility, capacity, measures) {
    const values = currentValues(capacity);
    const count = (m) => values[m]?.count ?? "";
    const bounds = measures.bounds ?? {};
    const fieldset = (legend, prefix, entries, max) =>
      `<fieldset class="measures" data-group="${prefix}"><legend>${legend}</legend><div class="grid">${entries
        .map((x) => countField(`${prefix}.${x.code}`, e(labelOf(x)), count(`${prefix}.${x.code}`), max))
        .join("")}</div></fieldset>`;
    const specialties = measures.specialties ?? [];
    const anySpecialist = specialties.some((x) => values[measureOf("specialists", x.code)]);
    const body = `<p class="hint">${t("facility.capacity.form.hint")}</p>
      <div class="pair">${field("source", t("facility.capacity.source"), { required: true, value: "", hint: t("facility.capacity.source.hint") })}
      ${field("as_of", t("facility.capacity.as_of_label"), { type: "date", required: true, value: today(), attrs: `max="${today()}"` })}</div>
      ${countField("beds", t("facility.capacity.beds"), count("beds"), bounds.beds_max)}
      ${fieldset(t("facility.capacity.beds_by_service"), "beds", measures.bed_services ?? [], bounds.beds_max)}
      ${fieldset(t("facility.capacity.staff"), "staff", measures.professions ?? [], bounds.staff_max)}
      <details ${anySpecialist ? "open" : ""}><summary>${t("facility.capacity.specialists")}</summary>
      ${fieldset(t("facility.capacity.specialists"), "specialists", specialties, bounds.staff_max)}</details>
      ${field("hours", t("facility.capacity.hours"), { value: values.hours?.text ?? "", hint: t("facility.capacity.hours.hint"), attrs: `maxlength="${MAX_TEXT}" dir="ltr"` })}`;
    const names = [
      "beds",
      ...(measures.bed_services ?? []).map((x) => measureOf("beds", x.code)),
      ...(measures.professions ?? []).map((x) => measureOf("staff", x.code)),
      ...specialties.map((x) => measureOf("specialists", x.code)),
    ];
    this._open(`${t("facility.capacity.edit")} — ${facility.name}`, body, {
      check: (data) => checkCapacity(data, names, bounds),
      submit: (data) => {
        // Only what changed is sent: an emptied value is entered as unknown.
        const changed = {};
        for (const m of names) {
          const raw = String(data[m] ?? "").trim();
          const value = raw === "" ? null : Number(raw);
          const before = values[m]?.count ?? null;
          if (value !== before && !(value === null && !values[m])) changed[m] = value;
        }
        const payload = { source: data.source.trim(), as_of: data.as_of, values: changed };
        const hours = String(data.hours ?? "").trim();
        // Opening hours are text; emptied, they are entered as unknown.
        if (hours && hours !== values.hours?.text) payload.hours = hours;
        if (!hours && known(values.hours?.text)) changed.hours = null;
        return send("PUT", `/api/facilities/${enc(facility.id)}/capacity`, payload, {
          "If-Match": `"${facility.version}"`,
        });
      },
    });
  }

  /** Add a piece of equipment to the facility. */
  addEquipment(facility, measures) {
    const groups = new Map();
    for (const kind of measures.equipment_kinds ?? []) {
      if (!groups.has(kind.group)) groups.set(kind.group, []);
      groups.get(kind.group).push(kind);
    }
    const options = [...groups.entries()]
      .map(
        ([group, kinds]) =>
          `<optgroup label="${e(groupName(measures, group))}">${kinds
            .map((k) => `<option value="${e(k.code)}">${e(labelOf(k))}</option>`)
            .join("")}</optgroup>`,
      )
      .join("");
    const body = `<label class="field" data-name="kind"><span>${t("facility.equipment.kind")}</span>
        <select name="kind" required>${options}</select><em class="field-error" hidden></em></label>
      <div class="pair">${field("model", t("facility.equipment.model"), { attrs: `maxlength="${MAX_TEXT}"` })}
      ${field("inventory_ref", t("facility.equipment.inventory_ref"), { attrs: `maxlength="${MAX_TEXT}"` })}</div>
      <div class="pair">${field("in_service", t("facility.equipment.in_service"), { type: "date", attrs: `max="${today()}"` })}
      ${field("source", t("facility.capacity.source"), { required: true, hint: t("facility.capacity.source.hint") })}</div>`;
    this._open(`${t("facility.equipment.add")} — ${facility.name}`, body, {
      check: (data) => [
        ...(String(data.source ?? "").trim() ? [] : [{ field: "source", reason: t("facility.capacity.check.required") }]),
        ...checkDate(data, "in_service"),
      ],
      submit: (data) =>
        send("POST", "/api/equipment", {
          facility_id: facility.id,
          kind: data.kind,
          model: data.model.trim() || null,
          inventory_ref: data.inventory_ref.trim() || null,
          in_service: data.in_service || null,
          source: data.source.trim(),
        }),
    });
  }

  /** Change an item's status: down says why and since when; retired is final. The
   * server's rules decide; its refusals are shown on their fields. */
  status(facility, item, kindName) {
    const choices = ["working", "down", "retired"].filter((s) => s !== item.status);
    const body = `<p>${e(kindName)}${item.model ? ` — <bdi>${e(item.model)}</bdi>` : ""}</p>
      <label class="field" data-name="status"><span>${t("facility.equipment.status")}</span>
        <select name="status">${choices.map((s) => `<option value="${s}">${t(`facility.equipment.status.${s}`)}</option>`).join("")}</select>
        <em class="field-error" hidden></em></label>
      <div class="status-down">${field("down_reason", t("facility.equipment.down_reason"), { attrs: `maxlength="${MAX_TEXT}"` })}
      ${field("down_since", t("facility.equipment.down_since_label"), { type: "date", attrs: `max="${today()}"` })}</div>
      <div class="status-retired">${field("retired_on", t("facility.equipment.retired_on_label"), { type: "date", value: today(), attrs: `max="${today()}"` })}
      <p class="hint">${t("facility.equipment.retired_final")}</p></div>`;
    this._open(`${t("facility.equipment.change_status")} — ${facility.name}`, body, {
      submit: (data) => {
        const payload = { status: data.status };
        if (data.status === "down") Object.assign(payload, { down_reason: data.down_reason.trim() || null, down_since: data.down_since || null });
        if (data.status === "retired") payload.retired_on = data.retired_on || null;
        return send("PATCH", `/api/equipment/${enc(item.id)}`, payload, { "If-Match": `"${item.version}"` });
      },
    });
    const form = this.dialog.querySelector("form");
    const select = form.querySelector("select[name=status]");
    const follow = () => {
      form.querySelector(".status-down").hidden = select.value !== "down";
      form.querySelector(".status-retired").hidden = select.value !== "retired";
    };
    select.addEventListener("change", follow);
    follow();
  }
}
