// Recording what a visit gave, on the caravan page: a grid per stop (pick the visit, then
// one row per kind, item, sex, age band and count; rows added and removed; all rows sent
// at once, all recorded or none) and a CSV or XLSX file of records (a form's part `file`). The
// item is chosen from the campaign's specialties (consultations, referrals) or from the
// controlled list of screenings (caravan.toml, each with its national programme);
// medicines are free text until a sourced list is supplied. After a save the grid keeps
// the last row's kind, item and facility: the next visit's rows start from them.
import { ApiError, enc, send, sendFile } from "./api.js";
import { escapeHtml, lang, t } from "./i18n.js";

const e = escapeHtml;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// The grid's values, kept across a language switch and a save.
const grid = { stop: "", rows: null, message: null, busy: false };

// The kinds and what each one's item is come from the server (/api/caravans/vocabulary).
function emptyRow(from = {}, vocabulary = null) {
  return { kind: from.kind || vocabulary?.record_kinds[0] || "", item: from.item || "", sex: "", age_band: "", count: "", facility: from.facility || "", service: "" };
}

/** Read the grid's values back from the page (before it is drawn again). */
export function keepRecordGrid() {
  const form = document.getElementById("cv-record-form");
  if (!form) return;
  grid.stop = form.elements.stop?.value ?? grid.stop;
  grid.rows = [...form.querySelectorAll("tr[data-row]")].map((tr) => {
    const row = {};
    for (const field of tr.querySelectorAll("[data-field]")) row[field.dataset.field] = field.value;
    return row;
  });
}

function option(value, text, chosen, title = "") {
  const hint = title ? ` title="${e(title)}"` : "";
  return `<option value="${e(value)}"${hint}${value === chosen ? " selected" : ""}>${e(text)}</option>`;
}

function itemCell(row, ctx, i) {
  const label = e(t("caravan.record.item"));
  const list = ctx.vocabulary.item_lists[row.kind];
  if (list === "specialties") {
    const options = ctx.specialties.map((s) => option(s.code, ctx.specialtyName(s), row.item)).join("");
    return `<select data-field="item" aria-label="${label} ${i + 1}"><option value="">—</option>${options}</select>`;
  }
  if (list === "screenings") {
    // Each screening names its national programme and that programme's source.
    const options = ctx.vocabulary.screenings
      .map((s) => option(s.code, screeningName(s), row.item, `${s[`programme_${lang()}`] || s.programme_fr} — ${s.source}`))
      .join("");
    return `<select data-field="item" aria-label="${label} ${i + 1}"><option value="">—</option>${options}</select>`;
  }
  return `<input data-field="item" value="${e(row.item)}" aria-label="${label} ${i + 1}" placeholder="${e(t("caravan.record.medicine"))}" autocomplete="off" dir="auto">`;
}

function screeningName(s) {
  return s[`label_${lang()}`] || s.label_fr || s.code;
}

function rowHTML(row, ctx, i) {
  const v = ctx.vocabulary;
  const referral = v.facility_kinds.includes(row.kind);
  const facilities = ctx.facilities.map((f) => option(f.id, f.name, row.facility)).join("");
  const n = i + 1;
  return `<tr data-row="${i}">
    <td><select data-field="kind" aria-label="${e(t("caravan.record.kind"))} ${n}">${v.record_kinds.map((k) => option(k, t(`caravan.kind.${k}`), row.kind)).join("")}</select></td>
    <td data-cell="item">${itemCell(row, ctx, i)}</td>
    <td><select data-field="sex" aria-label="${e(t("caravan.record.sex"))} ${n}"><option value="">—</option>${v.sexes.map((s) => option(s, t(`caravan.sex.${s}`), row.sex)).join("")}</select></td>
    <td><select data-field="age_band" aria-label="${e(t("caravan.record.age"))} ${n}"><option value="">—</option>${v.age_bands.map((b) => option(b, t(`caravan.age.${b}`), row.age_band)).join("")}</select></td>
    <td><input data-field="count" type="number" min="0" step="1" inputmode="numeric" dir="ltr" value="${e(row.count)}" aria-label="${e(t("caravan.record.count"))} ${n}"></td>
    <td>${referral ? `<select data-field="facility" aria-label="${e(t("caravan.record.facility"))} ${n}"><option value="">—</option>${facilities}</select>` : `<input data-field="facility" type="hidden" value="">`}</td>
    <td>${referral ? `<input data-field="service" value="${e(row.service)}" autocomplete="off" aria-label="${e(t("caravan.record.service"))} ${n}">` : `<input data-field="service" type="hidden" value="">`}</td>
    <td><button type="button" data-action="remove-row" aria-label="${e(t("caravan.record.remove"))} ${n}">×</button></td></tr>`;
}

function messageHTML() {
  const m = grid.message;
  if (!m) return "";
  return `<div class="${m.ok ? "ok" : "errors"}" role="${m.ok ? "status" : "alert"}" dir="auto">${e(m.text)}</div>`;
}

/**
 * Draw the record section. ctx: {campaignId, stops: [{number, text}], specialties,
 * specialtyName(s), vocabulary (record_kinds, sexes, age_bands, screenings), facilities
 * [{id, name}], onRecorded(): awaited after a save (the page reads its report again)}.
 */
export function renderRecordGrid(section, ctx) {
  if (grid.rows === null || !grid.rows.length) grid.rows = [emptyRow({}, ctx.vocabulary)];
  const stop = grid.stop || String(ctx.stops[0]?.number ?? "");
  const template = `/api/caravans/${enc(ctx.campaignId)}/records/template.csv`;
  section.innerHTML = `<h2>${t("caravan.record")}</h2>
    <form id="cv-record-form" class="cv-grid-form" novalidate>
      <label class="cv-stop-pick">${t("caravan.record.stop")}<select name="stop">${ctx.stops.map((s) => option(String(s.number), s.text, stop)).join("")}</select></label>
      <div class="table-scroll" tabindex="0"><table class="cv-grid"><thead><tr>
        <th>${t("caravan.record.kind")}</th><th>${t("caravan.record.item")}</th><th>${t("caravan.record.sex")}</th>
        <th>${t("caravan.record.age")}</th><th>${t("caravan.record.count")}</th><th>${t("caravan.record.facility")}</th>
        <th>${t("caravan.record.service")}</th><th><span class="visually-hidden">${t("caravan.record.remove")}</span></th></tr></thead>
        <tbody>${grid.rows.map((row, i) => rowHTML(row, ctx, i)).join("")}</tbody></table></div>
      <p class="note">${t("caravan.medicines.free_text")} ${t("caravan.screenings.source")}</p>
      <div class="actions"><button type="button" data-action="add-row">${t("caravan.record.add")}</button>
        <button type="submit" data-action="record"${grid.busy ? " disabled" : ""}>${t("caravan.record.submit")}</button></div>
    </form>
    <form id="cv-record-file" class="cv-file-form" novalidate>
      <label>${t("caravan.record.file")}<input type="file" name="file" accept=".csv,.xlsx,text/csv,${XLSX}"></label>
      <button type="submit" data-action="upload"${grid.busy ? " disabled" : ""}>${t("caravan.record.upload")}</button>
      <a href="${template}" data-link="records-template" download>${t("caravan.record.template")}</a>
    </form>${messageHTML()}`;
  const form = document.getElementById("cv-record-form");
  form.addEventListener("change", (event) => {
    if (event.target.dataset.field === "kind") {
      keepRecordGrid();
      renderRecordGrid(section, ctx);
    }
  });
  form.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]")?.dataset.action;
    if (action !== "add-row" && action !== "remove-row") return;
    keepRecordGrid();
    if (action === "add-row") grid.rows.push(emptyRow(grid.rows.at(-1), ctx.vocabulary));
    else grid.rows.splice(Number(event.target.closest("tr").dataset.row), 1);
    renderRecordGrid(section, ctx);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(section, ctx).catch(() => {});
  });
  document.getElementById("cv-record-file").addEventListener("submit", (event) => {
    event.preventDefault();
    upload(section, ctx, event.target.elements.file.files[0]).catch(() => {});
  });
}

function filled(row) {
  return Object.values(row).some((v) => String(v).trim() !== "");
}

async function save(section, ctx) {
  keepRecordGrid();
  const rows = grid.rows
    .filter((row) => filled({ ...row, kind: "" }))
    .map((row) => ({ stop: grid.stop, ...Object.fromEntries(Object.entries(row).filter(([, v]) => String(v).trim() !== "")) }));
  await settle(section, ctx, () => send("POST", `/api/caravans/${enc(ctx.campaignId)}/records`, { rows }), () => {
    // The next rows start from the last one's kind, item (the specialty) and facility.
    grid.rows = [emptyRow(grid.rows.at(-1))];
  });
}

async function upload(section, ctx, file) {
  keepRecordGrid();
  if (!file) {
    grid.message = { ok: false, text: t("caravan.record.no_file") };
    renderRecordGrid(section, ctx);
    return;
  }
  const url = `/api/caravans/${enc(ctx.campaignId)}/records/file`;
  await settle(section, ctx, () => sendFile(url, file));
}

async function settle(section, ctx, request, after = () => {}) {
  grid.busy = true;
  renderRecordGrid(section, ctx);
  try {
    const result = await request();
    grid.message = { ok: true, text: t("caravan.record.done", { count: result.recorded }) };
    after();
    await ctx.onRecorded();
  } catch (error) {
    grid.message = { ok: false, text: error instanceof ApiError ? error.message : String(error) };
  } finally {
    grid.busy = false;
  }
  renderRecordGrid(section, ctx);
}
