// What a facility has, in its panel: its capacity (beds, by service where known; staff by
// profession; specialist doctors by specialty; opening hours; services offered), each value
// with where it comes from (source, as-of date, who entered it), its equipment (kind,
// model, status since when and why) and the history of its capacity values. Unknown is
// said so, never 0. The buttons to change them are for an account that may edit the
// facility (GET /api/facilities/{id}/rights); nobody signed in is offered to sign in.
import { escapeHtml, lang, locale, num, t } from "./i18n.js";
import { signInPrompt } from "./shell.js";

const e = escapeHtml;

/** A calendar date (YYYY-MM-DD) for people, in the page's language; unknown says so. */
export function day(value) {
  if (!value) return t("unknown");
  const [y, m, d] = String(value).slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** The current values by measure ({measure: value}), whatever list the API gave. */
export function currentValues(capacity) {
  const values = capacity?.values ?? [];
  if (!Array.isArray(values)) return { ...values };
  return Object.fromEntries(values.map((v) => [v.measure, v]));
}

/** A list of {code, label} of the measures' catalogue, in the reader's language. */
export function labelOf(entry) {
  if (!entry) return "";
  return entry.name ?? entry.label ?? entry[`name_${lang()}`] ?? entry.name_fr ?? entry.code;
}

const known = (v) => v !== null && v !== undefined;

// A value as shown: its count (or text), or "unknown", in an element naming the API field.
function shown(value, measure) {
  const raw = value ? (known(value.count) ? num(value.count) : value.text) : null;
  const text = known(raw) && raw !== "" ? `<bdi>${e(raw)}</bdi>` : `<span class="unknown">${t("unknown")}</span>`;
  return `<span data-measure="${e(measure)}" data-figure="/api/facilities/{id}/capacity#${e(measure)}">${text}</span>`;
}

// Where a value comes from: its source, its date, who entered it (the last two for a
// reader who may see them; the API leaves them out otherwise).
function provenance(value) {
  if (!value) return "";
  const parts = value.source ? [`<bdi>${e(value.source)}</bdi>`] : [];
  if (value.as_of) parts.push(t("facility.capacity.as_of", { date: day(value.as_of) }));
  if (value.entered_by) parts.push(e(t("facility.capacity.entered_by", { who: value.entered_by })));
  // Each part kept whole (a French source inside Arabic words wraps as one piece).
  const whole = parts.map((part) => `<span class="part">${part}</span>`);
  return whole.length ? `<small class="provenance">${whole.join(" · ")}</small>` : "";
}

function line(title, value, measure, cls = "") {
  return `<tr class="${cls}" data-row="${e(measure)}"><th scope="row">${title}</th><td>${shown(value, measure)}${provenance(value)}</td></tr>`;
}

// A group of measures (beds by service, staff by profession…): each known one, or, when
// every one is unknown, a single line saying so; `all` lists them all, known or not.
function group(title, entries, values, prefix, { all = false } = {}) {
  const rows = entries
    .filter((entry) => all || known(values[`${prefix}.${entry.code}`]?.count))
    .map((entry) => line(e(labelOf(entry)), values[`${prefix}.${entry.code}`], `${prefix}.${entry.code}`, "sub"))
    .join("");
  const body = rows || `<tr class="sub"><td colspan="2" class="unknown">${t("facility.capacity.none_known")}</td></tr>`;
  return `<tbody data-group="${e(prefix)}"><tr class="group"><th scope="rowgroup" colspan="2">${title}</th></tr>${body}</tbody>`;
}

function servicesList(services, serviceName) {
  if (!services?.length) return `<p class="unknown">${t("facility.capacity.services.none")}</p>`;
  return `<ul class="services" data-section="services">${services
    .map((code) => `<li data-service="${e(code)}">${e(serviceName(code))}</li>`)
    .join("")}</ul>`;
}

/** The capacity section of a facility's panel. */
export function capacitySection(facility, capacity, measures, { rights, anonymous, serviceName }) {
  const values = currentValues(capacity);
  const open = facility.status === "open";
  const fromOsm = facility.family === "osm" && facility.location_source === "osm";
  const editable = rights?.edit && open && !fromOsm;
  const action = editable
    ? `<div class="actions"><button type="button" data-action="edit-capacity" class="primary">${t("facility.capacity.edit")}</button></div>`
    : anonymous
      ? signInPrompt("facility.capacity.sign_in")
      : open && !fromOsm
        ? `<p class="readonly outside-scope">${t("facility.capacity.outside")}</p>`
        : "";
  // The total shown is the facility's (`beds`, which the capacity service keeps and the
  // panel's figures show too): one place, so the two never disagree; its provenance is
  // the current `beds` value's.
  const beds = { ...(values.beds ?? {}), count: facility.beds ?? null };
  return `<section data-section="capacity"><h3>${t("facility.capacity.title")}</h3>${action}
    <table class="figures capacity">
      <tbody>${line(t("facility.capacity.beds"), beds, "beds")}</tbody>
      ${group(t("facility.capacity.beds_by_service"), measures.bed_services ?? [], values, "beds")}
      ${group(t("facility.capacity.staff"), measures.professions ?? [], values, "staff", { all: true })}
      ${group(t("facility.capacity.specialists"), measures.specialties ?? [], values, "specialists")}
      <tbody>${line(t("facility.capacity.hours"), values.hours, "hours")}</tbody>
    </table>
    <h4>${t("facility.capacity.services")}</h4>${servicesList(facility.services, serviceName)}
    <p class="source">${t("facility.capacity.unknown_note")}</p></section>`;
}

/** The equipment section: one line per item, with its status since when and why. */
export function equipmentSection(facility, items, measures, { rights }) {
  const kinds = new Map((measures.equipment_kinds ?? []).map((k) => [k.code, k]));
  const editable = rights?.edit && facility.status === "open";
  const rows = items
    .map((item) => {
      const status = `<span class="equipment-status status-${e(item.status)}" data-status="${e(item.status)}">${t(`facility.equipment.status.${item.status}`)}</span>`;
      const since =
        item.status === "down"
          ? `<br><small>${t("facility.equipment.down_since", { date: day(item.down_since) })}${t("punct.colon")} <bdi>${e(item.down_reason ?? "")}</bdi></small>`
          : item.status === "retired"
            ? `<br><small>${t("facility.equipment.retired_on", { date: day(item.retired_on) })}</small>`
            : "";
      const change =
        editable && item.status !== "retired"
          ? `<button type="button" class="link" data-action="equipment-status" data-equipment="${e(item.id)}">${t("facility.equipment.change_status")}</button>`
          : "";
      return `<tr data-equipment="${e(item.id)}"><td>${e(labelOf(kinds.get(item.kind)) || item.kind)}</td>
        <td>${item.model ? `<bdi>${e(item.model)}</bdi>` : `<span class="unknown">${t("unknown")}</span>`}</td>
        <td>${status}${since}</td><td>${change}</td></tr>`;
    })
    .join("");
  const add = editable
    ? `<div class="actions"><button type="button" data-action="add-equipment">${t("facility.equipment.add")}</button></div>`
    : "";
  const table = rows
    ? `<table class="figures equipment"><thead><tr><th scope="col">${t("facility.equipment.kind")}</th><th scope="col">${t("facility.equipment.model")}</th><th scope="col">${t("facility.equipment.status")}</th><td></td></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="unknown">${t("facility.equipment.none")}</p>`;
  return `<section data-section="equipment"><h3>${t("facility.equipment.title")}</h3>${add}${table}</section>`;
}

/** A measure in words: "Beds — surgery", "Staff — nurses"… */
export function measureName(measure, measures) {
  const [head, code] = measure.split(".");
  const lists = { beds: measures.bed_services, staff: measures.professions, specialists: measures.specialties };
  const title = { beds: t("facility.capacity.beds"), staff: t("facility.capacity.staff"), specialists: t("facility.capacity.specialists"), hours: t("facility.capacity.hours") }[head] ?? measure;
  if (!code) return title;
  const entry = (lists[head] ?? []).find((x) => x.code === code);
  return `${title} — ${entry ? labelOf(entry) : code}`;
}

/** The history of the facility's capacity values, newest first. */
export function capacityHistory(history, measures) {
  if (history === null) return "";
  const items = [...history]
    .reverse()
    .map(
      (v) => `<li class="capacity-change" data-measure="${e(v.measure)}"><strong>${e(measureName(v.measure, measures))}</strong>${t("punct.colon")}
        ${known(v.count) ? num(v.count) : known(v.text) ? `<bdi>${e(v.text)}</bdi>` : t("unknown")}
        ${provenance(v)}</li>`,
    )
    .join("");
  return `<section data-section="capacity-history"><h3>${t("facility.capacity.history")}</h3>
    ${items ? `<ol class="history">${items}</ol>` : `<p>${t("facility.capacity.history.none")}</p>`}</section>`;
}

/** The province's workbook: download its template, import it filled (an editor of the
 * whole province). */
export function workbookSection(facility, rights, { importable }) {
  if (!rights?.edit_province) return "";
  const code = facility.province_code;
  const upload = importable
    ? `<form class="workbook-import" data-action="import-workbook">
        <label class="field"><span>${t("facility.workbook.file")}</span><input type="file" name="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
        <div class="actions"><button type="submit">${t("facility.workbook.import")}</button></div>
        <div class="errors" role="alert" hidden></div><p class="saved" role="status" hidden></p></form>`
    : "";
  return `<section data-section="workbook"><h3>${t("facility.workbook.title")}</h3>
    <p>${t("facility.workbook.note")}</p>
    <p><a class="button" data-action="workbook-template" href="/api/capacity/template?province=${encodeURIComponent(code)}&amp;lang=${lang()}" download>${t("facility.workbook.template")}</a></p>
    ${upload}</section>`;
}
