// The periodic reports' page (/reports?t=<code>&d=<data set>&p=<period>): a territory's
// completeness for a data set and period (GET /api/completeness): the counts, a still map
// of its provinces or communes by the share of expected reports received, the table per
// unit, and the facilities, each with its report (on time, late, zero) or its silence.
// A facility's report opens in the form below (report_form.js): entered, corrected or
// confirmed there; a CSV or XLSX file of reports is imported all or nothing
// (POST /api/reports/import). The bulletin of the period opens as a page or a PDF.
import { can, enc, getJSON, sendFile, whoAmI } from "./api.js";
import { escapeHtml, initialLang, named, lang, nameOf, num, pct, t } from "./i18n.js";
import { problemsHTML, settle } from "./problems.js";
import { ReportForm } from "./report_form.js";
import { languageButtons } from "./shell.js";
import { mapSVG } from "./svgmap.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const root = document.getElementById("reports");
const errorBox = document.querySelector(".reports-error");
const loading = document.querySelector(".reports-loading");
const pickTerritory = document.getElementById("reports-t");
const pickDataset = document.getElementById("reports-d");
const pickPeriod = document.getElementById("reports-p");
const DEFAULT_DATASET = "mdo";
// The share received, in four bands (a report missing is the colour's reason to look).
const BANDS = [
  { below: 50, colour: "#d7301f", key: "reports.band.low" },
  { below: 80, colour: "#fc8d59", key: "reports.band.mid" },
  { below: 100, colour: "#fdd49e", key: "reports.band.high" },
  { below: Infinity, colour: "#2b8cbe", key: "reports.band.all" },
];
const CHILD_LEVEL = { country: "region", region: "province", province: "commune" };
const SHOWN = ["all", "silent", "late", "received"];

let datasets = [];
let detail = null; // the chosen data set with its elements (the form's grid)
let answer = null; // GET /api/completeness
let layer = null;
let rights = { report: false, confirm: false };
let shown = "all"; // which facilities the table lists
let note = ""; // the import's outcome, shown above the counts

const form = new ReportForm(document.getElementById("report-form"), { onSaved: () => load({ keepForm: true }) });

function band(value) {
  return value == null ? null : BANDS.findIndex((b) => value < b.below);
}

function datasetOptions() {
  pickDataset.innerHTML = datasets
    .map((d) => `<option value="${e(d.id)}" ${d.id === pickDataset.dataset.chosen ? "selected" : ""}>${e(named(d))}</option>`)
    .join("");
}

function periodOptions(chosen) {
  const offered = [...(config.periods[pickDataset.value] ?? [])];
  if (chosen && !offered.includes(chosen)) offered.unshift(chosen);
  pickPeriod.innerHTML = offered.map((p) => `<option value="${e(p)}" ${p === chosen ? "selected" : ""}>${e(p)}</option>`).join("");
}

function counts(unit) {
  const item = (key, value, extra = "") => `<li><span>${t(key)}</span> <strong>${value}</strong>${extra}</li>`;
  return `<ul class="reports-counts" aria-label="${e(t("reports.counts"))}">
    ${item("reports.expected", num(unit.expected))}
    ${item("reports.received", num(unit.received), ` <small>(${pct(unit.completeness_pct)})</small>`)}
    ${item("reports.on_time", num(unit.on_time), ` <small>(${pct(unit.timeliness_pct)})</small>`)}
    ${item("reports.silent", num(unit.expected - unit.received))}</ul>`;
}

const swatch = (colour) => `<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill="${colour}"/></svg>`;

function map(children) {
  if (!layer || !children.length) return "";
  const values = new Map(children.map((u) => [u.code, { value: u.completeness_pct, class_index: band(u.completeness_pct), note: "no_report" }]));
  const svg = mapSVG(layer, { values, colours: BANDS.map((b) => b.colour), width: 640, title: t("reports.map") });
  const legend = BANDS.map((b) => `<li>${swatch(b.colour)} ${t(b.key)}</li>`).join("");
  return `<section class="reports-map"><h3>${t("reports.map")}</h3>${svg}
    <ul class="difference-legend">${legend}<li><span class="swatch hatch"></span>${t("reports.band.none")}</li></ul></section>`;
}

function unitsTable(children) {
  if (!children.length) return "";
  const rows = children
    .map(
      (u) => `<tr data-code="${e(u.code)}"><th scope="row"><a href="/reports?t=${enc(u.code)}&d=${enc(answer.dataset)}&p=${enc(answer.period)}&lang=${lang()}"><bdi>${e(nameOf(u))}</bdi></a>
        <small class="code" dir="ltr">${e(u.code)}</small></th><td class="num">${num(u.expected)}</td><td class="num">${num(u.received)}</td>
        <td class="num">${num(u.on_time)}</td><td class="num" data-value="${u.completeness_pct ?? ""}">${pct(u.completeness_pct)}</td>
        <td class="num" data-value="${u.timeliness_pct ?? ""}">${pct(u.timeliness_pct)}</td></tr>`,
    )
    .join("");
  return `<section class="reports-units"><h3>${t(`reports.units.${children[0].level}`)}</h3><div class="table-scroll"><table class="reports-unit-table"><thead><tr>
    <th scope="col">${t("reports.col.unit")}</th><th scope="col">${t("reports.expected")}</th><th scope="col">${t("reports.received")}</th>
    <th scope="col">${t("reports.on_time")}</th><th scope="col">${t("reports.col.completeness")}</th><th scope="col">${t("reports.col.timeliness")}</th>
    </tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** A facility's state for the period: silent, late, on time; a zero report said so. */
function stateOf(f) {
  if (!f.received) return "silent";
  return f.on_time ? "on_time" : "late";
}

function facilityRow(f, communes) {
  const state = stateOf(f);
  const commune = communes.get(f.commune_code);
  const action = f.received
    ? `<button type="button" data-action="open" data-id="${e(f.facility_id)}">${t("reports.open")}</button>`
    : rights.report
      ? `<button type="button" data-action="enter" data-id="${e(f.facility_id)}">${t("reports.enter")}</button>`
      : "";
  return `<tr data-id="${e(f.facility_id)}" data-state="${state}">
    <td><bdi>${e(f.name)}</bdi><br><small class="code" dir="ltr">${e(f.facility_id)}</small></td>
    <td dir="ltr">${e(f.category)}</td>
    <td><bdi>${e(commune ? nameOf(commune) : f.commune_code)}</bdi></td>
    <td class="reports-state">${t(`reports.state.${state}`)}${f.zero ? ` <small>(${t("reports.zero")})</small>` : ""}</td>
    <td><bdi dir="ltr">${e(f.received_on ?? "")}</bdi></td><td>${action}</td></tr>`;
}

function facilitiesTable() {
  const communes = new Map(answer.units.filter((u) => u.level === "commune").map((u) => [u.code, u]));
  const keep = {
    all: () => true,
    silent: (f) => !f.received,
    late: (f) => f.received && !f.on_time,
    received: (f) => f.received,
  }[shown];
  const list = answer.facilities.filter(keep);
  const choices = SHOWN.map((s) => `<option value="${s}" ${s === shown ? "selected" : ""}>${t(`reports.show.${s}`)}</option>`).join("");
  const table = list.length
    ? `<div class="table-scroll"><table class="reports-facilities"><thead><tr>
        <th scope="col">${t("reports.col.facility")}</th><th scope="col">${t("reports.col.category")}</th><th scope="col">${t("reports.col.commune")}</th>
        <th scope="col">${t("reports.col.state")}</th><th scope="col">${t("reports.col.received_on")}</th>
        <th scope="col"><span class="visually-hidden">${t("reports.open")}</span></th></tr></thead>
        <tbody>${list.map((f) => facilityRow(f, communes)).join("")}</tbody></table></div>`
    : `<p class="reports-none">${t("reports.none")}</p>`;
  return `<section class="reports-list"><h3>${t("reports.facilities", { count: list.length })}</h3>
    <label class="reports-filter">${t("reports.filter")} <select data-action="show">${choices}</select></label>${table}</section>`;
}

function tools() {
  const query = `t=${enc(answer.territory.code)}&period=${enc(answer.period)}&lang=${lang()}`;
  const bulletin = ["region", "province"].includes(answer.territory.level)
    ? `<a href="/watch/bulletin?${query}" target="_blank" rel="noopener">${t("reports.bulletin")}</a>
       <a href="/watch/bulletin.pdf?${query}" download>${t("reports.bulletin_pdf")}</a>`
    : "";
  const upload = rights.report
    ? `<form class="reports-import"><label>${t("reports.import")} <input type="file" name="file" accept=".csv,.xlsx" required></label>
        <button type="submit">${t("reports.import.send")}</button></form>`
    : "";
  return `<div class="reports-tools">${bulletin}${upload}</div>`;
}

function render() {
  if (!answer) return;
  const chosen = datasets.find((d) => d.id === answer.dataset);
  const unit = answer.territory;
  const children = answer.units.filter((u) => u.level === CHILD_LEVEL[unit.level]);
  const validation = chosen?.needs_validation && !chosen.validated ? `<p class="reports-validate">${t("reports.to_validate")}</p>` : "";
  // A file chosen for import survives a re-render (a reload of the counts may land between
  // choosing it and sending it): the same input element is put back.
  const picked = root.querySelector('.reports-import input[type="file"]');
  root.innerHTML = `<h3><bdi>${e(nameOf(unit))}</bdi> <small class="code" dir="ltr">${e(unit.code)}</small> · <bdi>${e(named(chosen ?? {}))}</bdi>
      · <bdi dir="ltr">${e(answer.period)}</bdi></h3>
    <p class="source">${t("reports.due", { date: `<bdi dir="ltr">${e(answer.due)}</bdi>` })} ${t("reports.expected_note")}</p>
    ${validation}${note}${counts(unit)}${tools()}
    <div class="plan-layout">${map(children)}${unitsTable(children)}</div>
    ${facilitiesTable()}`;
  if (picked?.files?.length) root.querySelector('.reports-import input[type="file"]')?.replaceWith(picked);
}

function layerUrl(unit) {
  if (unit.level === "country") return "/api/layers/regions";
  if (unit.level === "region") return `/api/layers/provinces?parent=${enc(unit.code)}`;
  if (unit.level === "province") return `/api/layers/communes?parent=${enc(unit.code)}`;
  return null;
}

/** The refusal's problems in the page's error box. */
function refuse(error) {
  errorBox.hidden = false;
  errorBox.innerHTML = problemsHTML(error);
}

async function load({ keepForm = false } = {}) {
  const code = pickTerritory.value.trim();
  if (!code) {
    root.innerHTML = `<p>${t("reports.pick")}</p>`;
    return;
  }
  loading.hidden = false;
  errorBox.hidden = true;
  if (!keepForm) form.close();
  await settle(async () => {
    const query = `territory=${enc(code)}&dataset=${enc(pickDataset.value)}&period=${enc(pickPeriod.value)}`;
    const [found, chosen] = await Promise.all([getJSON(`/api/completeness?${query}`), getJSON(`/api/datasets/${enc(pickDataset.value)}`)]);
    const url = layerUrl(found.territory);
    // The map's areas: asked again only when the territory changes (a still map without
    // them is no error: the table says the same).
    if (url !== layerUrl(answer?.territory ?? {})) layer = url ? await getJSON(url).catch(() => null) : null;
    [answer, detail] = [found, chosen];
    render();
  }, { errorBox, loading });
}

/** The facility's current report for the period, read from its commune's reports. */
async function openReport(id) {
  const facility = answer.facilities.find((f) => f.facility_id === id);
  let report = null;
  if (facility.received) {
    const query = `dataset=${enc(answer.dataset)}&period=${enc(answer.period)}&territory=${enc(facility.commune_code)}`;
    report = (await getJSON(`/api/reports?${query}`)).find((r) => r.facility === id) ?? null;
  }
  form.open({ dataset: detail, facility, period: answer.period, report, rights });
}

async function importFile(upload) {
  const file = upload.querySelector('input[type="file"]').files[0];
  if (!file) return;
  errorBox.hidden = true;
  try {
    const done = await sendFile("/api/reports/import", file);
    note = `<p class="saved imported" role="status">${t("reports.imported", { count: num(done.submitted) })}</p>`;
    await load();
  } catch (error) {
    refuse(error);
  }
}

root.addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  if (!target) return;
  openReport(target.dataset.id).catch(refuse);
});

root.addEventListener("change", (event) => {
  if (event.target.dataset.action !== "show") return;
  shown = event.target.value;
  render();
});

root.addEventListener("submit", (event) => {
  const upload = event.target.closest(".reports-import");
  if (!upload) return;
  event.preventDefault();
  importFile(upload);
});

pickDataset.addEventListener("change", () => periodOptions(null));

const switchLanguage = languageButtons(() => {
  datasetOptions();
  render();
  form.render();
});

async function start() {
  const me = await whoAmI();
  rights = { report: await can("watch.report"), confirm: await can("watch.confirm") };
  datasets = await getJSON("/api/datasets");
  const granted = (me.grants ?? []).flatMap((g) => g.scope?.territories ?? []);
  pickTerritory.value = config.territory ?? granted[0] ?? "";
  pickDataset.dataset.chosen = datasets.some((d) => d.id === config.dataset) ? config.dataset : DEFAULT_DATASET;
  datasetOptions();
  periodOptions(config.period);
  await load();
}

await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
start().catch((error) => {
  refuse(error);
  document.body.dataset.ready = lang();
});
