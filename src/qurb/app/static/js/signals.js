// The outbreak signals' page (/signals?t=<code>&s=<signal id>): a territory's signals
// (GET /api/watch/signals.geojson) on a still map of its areas (svgmap.js), each a circle
// coloured by its status and sized by observed ÷ upper bound; the same signals as a table
// sortable by any column and downloadable as CSV; the selected signal's epidemic curve
// (signal_curve.js). A click on a circle or a row's button selects a signal; the
// territory and the selection stay in the address, so a link shares the view.
import { enc, getJSON, whoAmI } from "./api.js";
import { escapeHtml, initialLang, label, lang, nameOf, num, t } from "./i18n.js";
import { settle } from "./problems.js";
import { languageButtons } from "./shell.js";
import { curveSection } from "./signal_curve.js";
import { mapSVG } from "./svgmap.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const root = document.getElementById("signals");
const curveBox = document.getElementById("signal-curve");
const errorBox = document.querySelector(".reports-error");
const loading = document.querySelector(".reports-loading");
const pickTerritory = document.getElementById("signals-t");
const STATUS_COLOURS = { active: "#c62828", revised: "#78909c" };
// A circle's radius (px of a 640-px map) by observed ÷ upper bound: the ratio's classes.
const SIZES = [
  { below: 1.5, r: 6, key: "signals.size.small" },
  { below: 3, r: 9, key: "signals.size.mid" },
  { below: Infinity, r: 13, key: "signals.size.large" },
];
const UNKNOWN_RATIO_R = 6; // no upper bound (single case, NA): the smallest circle
const COLUMNS = ["week", "unit", "element", "method", "observed", "expected", "upperbound", "status", "provisional"];
const CHILD_LAYER = { country: "regions", region: "provinces", province: "communes" };

let answer = null; // the GeoJSON of the territory's signals
let territory = null; // the territory as /api/territories/{code}/children names it
let layer = null;
let elements = new Map(); // "dataset/element" → {fr, ar, en}
let selected = config.signal ?? null;
let curve = null;
let sort = { column: "week", descending: true };

const signals = () => (answer?.features ?? []).map((f) => ({ ...f.properties, point: f.geometry?.coordinates ?? null }));

function ratio(s) {
  return s.observed != null && s.upperbound ? s.observed / s.upperbound : null;
}

function radius(s) {
  const r = ratio(s);
  return r == null ? UNKNOWN_RATIO_R : SIZES.find((c) => r < c.below).r;
}

const unitName = (s) => nameOf({ name_fr: s.unit_name_fr, name_ar: s.unit_name_ar }) || s.unit_code;
const elementName = (s) => label(elements.get(`${s.dataset}/${s.element}`)) || s.element;
const weekOrder = (week) => {
  const [year, number] = week.split("W").map(Number);
  return year * 100 + number;
};

/** A column's value as the table sorts it. */
function sortValue(s, column) {
  if (column === "week") return weekOrder(s.week);
  if (column === "unit") return unitName(s);
  if (column === "element") return elementName(s);
  return s[column];
}

function sorted(list) {
  const { column, descending } = sort;
  const compare = (a, b) => {
    const [x, y] = [sortValue(a, column), sortValue(b, column)];
    if (x == null || y == null) return (x == null) - (y == null); // unknown last either way
    const order = typeof x === "string" ? x.localeCompare(y, lang()) : x - y;
    return descending ? -order : order;
  };
  return [...list].sort((a, b) => compare(a, b) || a.id - b.id);
}

function mapSection(list) {
  const located = list.filter((s) => s.point);
  const points = [...located]
    .sort((a, b) => radius(b) - radius(a)) // the large ones below, the small ones clickable
    .map((s) => ({
      lon: s.point[0],
      lat: s.point[1],
      colour: STATUS_COLOURS[s.status] ?? "#757575",
      r: radius(s),
      id: String(s.id),
      selected: String(s.id) === String(selected),
      label: `${unitName(s)} · ${elementName(s)} · ${s.week} · ${t(`signals.status.${s.status}`)}`,
    }));
  const base = layer ?? { type: "FeatureCollection", features: [] };
  const svg = mapSVG(base, { selected: territory?.code, width: 640, title: t("signals.map"), points });
  if (!svg) return `<section class="signals-map"><h3>${t("signals.map")}</h3><p>${t("signals.map_none")}</p></section>`;
  const swatch = (colour, r) => `<svg class="legend-key" viewBox="0 0 28 28" aria-hidden="true"><circle cx="14" cy="14" r="${r}" fill="${colour}" stroke="#fff" stroke-width="2"/></svg>`;
  const statuses = Object.entries(STATUS_COLOURS).map(([k, c]) => `<li>${swatch(c, 7)} ${t(`signals.status.${k}`)}</li>`);
  const sizes = SIZES.map((c) => `<li>${swatch("#9e9e9e", c.r)} ${t(c.key)}</li>`);
  const unplaced = list.length - located.length;
  return `<section class="signals-map"><h3>${t("signals.map")}</h3>${svg}
    <ul class="signals-legend">${statuses.join("")}</ul><ul class="signals-legend">${sizes.join("")}<li>${t("signals.size.unknown")}</li></ul>
    ${unplaced ? `<p>${t("signals.unplaced", { count: unplaced })}</p>` : ""}</section>`;
}

function cell(s, column) {
  if (column === "week") return `<td><bdi dir="ltr">${e(s.week)}</bdi></td>`;
  if (column === "unit") return `<td><bdi>${e(unitName(s))}</bdi><br><small class="code" dir="ltr">${e(s.unit_code)}</small></td>`;
  if (column === "element") return `<td><bdi>${e(elementName(s))}</bdi></td>`;
  if (column === "method") return `<td dir="ltr">${e(s.method)}</td>`;
  if (column === "status") return `<td class="signal-status" data-status="${e(s.status)}">${t(`signals.status.${s.status}`)}</td>`;
  if (column === "provisional") return `<td>${t(s.provisional ? "signals.yes" : "signals.no")}</td>`;
  const decimals = column === "observed" ? 0 : 2;
  return `<td class="num">${s[column] == null ? `<span class="na">${t("signals.na")}</span>` : num(s[column], decimals)}</td>`;
}

function tableSection(list) {
  if (!list.length) return `<p class="reports-none">${t("signals.none")}</p>`;
  const head = COLUMNS.map((c) => {
    const state = sort.column === c ? (sort.descending ? "descending" : "ascending") : "none";
    return `<th scope="col" aria-sort="${state}"><button type="button" class="sort" data-sort="${c}">${t(`signals.col.${c}`)}</button></th>`;
  }).join("");
  const rows = sorted(list)
    .map((s) => {
      const chosen = String(s.id) === String(selected);
      return `<tr data-id="${s.id}"${chosen ? ' aria-selected="true" class="selected"' : ""}>${COLUMNS.map((c) => cell(s, c)).join("")}
        <td><button type="button" data-select="${s.id}" aria-pressed="${chosen}">${t("signals.show_curve")}</button></td></tr>`;
    })
    .join("");
  return `<section class="signals-list"><h3>${t("signals.list", { count: list.length })}</h3>
    <p class="reports-tools"><button type="button" data-action="csv">${t("signals.csv")}</button></p>
    <div class="table-scroll"><table class="signals-table"><thead><tr>${head}<th scope="col"><span class="visually-hidden">${t("signals.show_curve")}</span></th></tr></thead>
    <tbody>${rows}</tbody></table></div></section>`;
}

function render() {
  if (!answer) return;
  const list = signals();
  const heading = territory ? `<h3><bdi>${e(nameOf(territory))}</bdi> <small class="code" dir="ltr">${e(territory.code)}</small></h3>` : "";
  root.innerHTML = `${heading}<p class="source">${t("signals.about")}</p><div class="plan-layout">${mapSection(list)}${tableSection(list)}</div>`;
  renderCurve();
}

function renderCurve() {
  const chosen = signals().find((s) => String(s.id) === String(selected));
  curveBox.hidden = !(chosen && curve);
  curveBox.innerHTML = chosen && curve ? curveSection(curve, unitName(chosen)) : "";
  // On a phone the chart scrolls: its latest weeks (the signal's) in view, in either
  // direction (in a right-to-left box the largest scrollLeft is its start, the right).
  const box = curveBox.querySelector(".curve-scroll");
  if (box) box.scrollLeft = box.scrollWidth;
}

function csvCell(value) {
  const text = value == null ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The table as CSV, its English field names (as the API's machine formats keep them). */
function download() {
  const fields = ["id", "dataset", "element", "unit_code", "level", "week", "method", "observed", "expected", "upperbound", "alarm", "status", "provisional"];
  const lines = [fields.join(","), ...sorted(signals()).map((s) => fields.map((f) => csvCell(s[f])).join(","))];
  const url = URL.createObjectURL(new Blob([`${lines.join("\n")}\n`], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `signals-${territory?.code ?? "territory"}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function keepInAddress() {
  const query = new URLSearchParams({ t: pickTerritory.value.trim(), lang: lang() });
  if (selected) query.set("s", selected);
  history.replaceState(null, "", `/signals?${query}`);
}

async function select(id) {
  selected = id;
  curve = null;
  keepInAddress();
  render();
  await settle(async () => {
    curve = await getJSON(`/api/watch/signals/${enc(id)}/curve?weeks=52`);
    renderCurve();
  }, { errorBox, loading });
}

async function loadElements(list) {
  for (const dataset of new Set(list.map((s) => s.dataset))) {
    const found = await getJSON(`/api/datasets/${enc(dataset)}`).catch(() => null);
    for (const element of found?.element_list ?? [])
      elements.set(`${dataset}/${element.code}`, { fr: element.name_fr, ar: element.name_ar, en: element.name_en });
  }
}

async function load() {
  const code = pickTerritory.value.trim();
  if (!code) {
    root.innerHTML = `<p>${t("signals.pick")}</p>`;
    document.body.dataset.ready = lang();
    return;
  }
  loading.hidden = false;
  errorBox.hidden = true;
  await settle(async () => {
    const [found, family] = await Promise.all([
      getJSON(`/api/watch/signals.geojson?territory=${enc(code)}`),
      getJSON(`/api/territories/${enc(code)}/children`),
    ]);
    territory = family.parent;
    const child = CHILD_LAYER[territory.level];
    // The map's areas: the territory's children, or its own commune among its
    // neighbours; a still map without them is no error (the table says the same).
    const url = child ? `/api/layers/${child}?parent=${enc(territory.code)}` : `/api/layers/communes?parent=${enc(territory.parent_code ?? "")}`;
    layer = await getJSON(url).catch(() => null);
    answer = found;
    await loadElements(signals());
    if (!signals().some((s) => String(s.id) === String(selected))) selected = signals()[0]?.id ?? null;
    keepInAddress();
    render();
    if (selected) curve = await getJSON(`/api/watch/signals/${enc(selected)}/curve?weeks=52`);
    renderCurve();
  }, { errorBox, loading });
}

root.addEventListener("click", (event) => {
  const sorter = event.target.closest("button[data-sort]");
  if (sorter) {
    const column = sorter.dataset.sort;
    sort = { column, descending: sort.column === column ? !sort.descending : column === "week" };
    render();
    root.querySelector(`button[data-sort="${column}"]`)?.focus();
    return;
  }
  if (event.target.closest('button[data-action="csv"]')) {
    download();
    return;
  }
  const target = event.target.closest("button[data-select], circle.marker[data-id]");
  if (target) select(target.dataset.select ?? target.dataset.id);
});

document.getElementById("signals-pick").addEventListener("submit", (event) => {
  event.preventDefault();
  selected = null;
  curve = null;
  load();
});

const switchLanguage = languageButtons(() => {
  render();
});

async function start() {
  const me = await whoAmI();
  const granted = (me.grants ?? []).flatMap((g) => g.scope?.territories ?? []);
  pickTerritory.value = config.territory ?? granted[0] ?? "";
  await load();
}

await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
start().catch((error) => {
  errorBox.hidden = false;
  errorBox.textContent = error.message;
  document.body.dataset.ready = lang();
});
