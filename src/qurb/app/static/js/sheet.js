// The printable fact sheet of a territory (/sheet/{code}?lang=fr|ar|en).
import { enc, getJSON } from "./api.js";
import { classCount, legendHTML, paintColours, palette } from "./choropleth.js";
import { date, escapeHtml, initialLang, lang, nameOf, num, setLang, t } from "./i18n.js";
import { censusTable, estimateNote, facilityList, gapsTable, offerTable } from "./panel.js";
import { pyramidSVG } from "./pyramid.js";
import { mapSVG } from "./svgmap.js";
import { cellHTML } from "./tables.js";

const e = escapeHtml;
const { code } = JSON.parse(document.getElementById("qurb-config").textContent);
// The public facilities listed on the sheet; the list names this query beside its counts.
const FACILITIES_QUERY = "sector=public&limit=500";
// The access the sheet maps and lists: minutes to the nearest general hospital, communes
// beyond 60 min marked (the table's query is named under it).
const ACCESS_INDICATOR = "minutes_to_nearest";
const ACCESS_OFFER = "secondary";
const ACCESS_MINUTES = 60;
// The areas the map shows for a territory of each level: its own parts, or (a commune)
// the communes of its province with it outlined.
const MAP_OF = {
  country: (u) => ({ layer: "regions", level: "region", parent: "MA" }),
  region: (u) => ({ layer: "provinces", level: "province", parent: u.code }),
  province: (u) => ({ layer: "communes", level: "commune", parent: u.code }),
  commune: (u) => ({ layer: "communes", level: "commune", parent: u.parent_code }),
};

/** The access map: each area coloured by its minutes to the nearest general hospital. */
async function accessMap(u, ancestors) {
  const province = u.level === "commune" || u.level === "arrondissement" ? ancestors.find((a) => a.level === "province") : null;
  const shown = MAP_OF[province ? "commune" : u.level]?.(province ? { parent_code: province.code } : u);
  if (!shown) return "";
  const [areas, values, indicators] = await Promise.all([
    getJSON(`/api/layers/${shown.layer}?parent=${enc(shown.parent)}`),
    getJSON(`/api/indicators/${ACCESS_INDICATOR}?level=${shown.level}&parent=${enc(shown.parent)}&offer=${ACCESS_OFFER}`),
    getJSON("/api/indicators"),
  ]);
  const meta = indicators.find((i) => i.id === ACCESS_INDICATOR);
  const worded = { ...meta, label: values.label, unit: values.unit };
  const colours = palette(meta, classCount(values.classes));
  const svg = mapSVG(areas, {
    values: new Map(values.values.map((v) => [v.code, v])),
    colours,
    selected: province ? u.code : null,
    title: `${nameOf(u)} — ${worded.label[lang()] || worded.label.fr}`,
  });
  return `<div class="sheet-map">${svg}<div class="legend sheet-legend">${legendHTML(worded, values.values, values.classes, colours)}</div></div>`;
}

/** The per-commune access table (all communes, those beyond the threshold marked), as the
 * map page's access tab and its CSV give it. Morocco's 1,500 communes are left to the CSV. */
async function accessTable(u) {
  const query = `/api/territories/${enc(u.code)}/tables/access?offer=${ACCESS_OFFER}&minutes=${ACCESS_MINUTES}&lang=${lang()}`;
  const csv = `${query}&format=csv`;
  if (u.level === "country") return `<p><a href="${e(csv)}">${e(t("table.download"))} CSV</a></p>`;
  const body = await getJSON(query);
  const head = body.columns.map((c) => `<th scope="col" class="${c.kind === "number" ? "num" : ""}">${e(c.label)}${c.unit ? ` (${e(c.unit)})` : ""}</th>`).join("");
  const rows = body.rows
    .map((row) => {
      const beyond = row.minutes === null || row.minutes > ACCESS_MINUTES;
      const cells = body.columns.map((c) => cellHTML(c, row[c.key])).join("");
      return `<tr${beyond ? ' class="beyond"' : ""} data-code="${e(row.code)}">${cells}</tr>`;
    })
    .join("");
  return `<p class="note">${e(t("table.beyond_note", { minutes: num(ACCESS_MINUTES) }))}</p>
    <div class="table-scroll" tabindex="0"><table class="commune-table sheet-access"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>
    <p class="sources">${e(t("table.source"))}: <code>${e(body.query)}</code> · <a href="${e(csv)}">CSV</a> · ${e(body.attribution)}</p>`;
}

async function render() {
  await setLang(initialLang());
  const [detail, categories] = await Promise.all([
    getJSON(`/api/territories/${enc(code)}`),
    getJSON("/api/categories"),
  ]);
  const names = new Map(categories.map((c) => [c.code, c]));
  const categoryName = (c) => (lang() === "ar" ? names.get(c)?.name_ar : names.get(c)?.name_fr) || c;
  const level = detail.territory.level;
  const u = detail.territory;
  const [gaps, facilities, map, table] = await Promise.all([
    getJSON(`/api/territories/${enc(code)}/gaps?by=${enc(level)}`),
    getJSON(`/api/facilities?territory=${enc(code)}&${FACILITIES_QUERY}`),
    accessMap(u, detail.ancestors).catch((error) => `<p class="error">${e(error.message)}</p>`),
    accessTable(u).catch((error) => `<p class="error">${e(error.message)}</p>`),
  ]);
  const path = detail.ancestors.map((a) => e(nameOf(a))).join(" › ");
  document.title = `Qurb — ${nameOf(u)}`;
  document.getElementById("sheet").innerHTML = `
    <header class="sheet-head">
      <p class="level">${t("sheet.title")} · ${t(`level.${u.level}`)} · <span class="code">${e(u.code)}</span></p>
      <h1 data-field="name">${e(nameOf(u))}</h1>
      <p class="other-name">${e(lang() === "ar" ? u.name_fr : u.name_ar)}</p>
      <p class="path">${path}</p>
      <p class="no-print"><button type="button" id="print">${t("panel.print")}</button></p>
    </header>
    <div class="sheet-grid">
      <section><h2>${t("panel.census")}</h2>${censusTable(detail)}${estimateNote()}</section>
      <section><h2>${t("panel.pyramid")}</h2>${pyramidSVG(detail.pyramid, { rtl: lang() === "ar" })}</section>
    </div>
    <section class="sheet-access-map"><h2>${t("sheet.access_map")}</h2>${map}</section>
    <section><h2>${t("panel.offer")}</h2>${offerTable(detail, categoryName)}</section>
    <section><h2>${t("panel.gaps.both")}</h2>${gapsTable(gaps)}</section>
    <section class="sheet-access-table"><h2>${t("sheet.access_table", { minutes: num(ACCESS_MINUTES) })}</h2>${table}</section>
    <section><h2>${t("panel.facilities")}</h2>${facilityList(facilities, categoryName, `/api/facilities?territory={code}&${FACILITIES_QUERY}`)}</section>
    <footer class="sources"><p>${t("source.census")}</p>
      <p>Ministère de la Santé et de la Protection Sociale (listes 2024) · <a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a> (ODbL) · <a href="/licences">${e(t("map.licences"))}</a></p>
      <p>${e(t("sheet.generated", { date: date(new Date().toISOString()) }))}</p></footer>`;
  paintColours(document.getElementById("sheet"));
  document.getElementById("print").addEventListener("click", () => window.print());
  document.body.dataset.ready = code;
}

render().catch((error) => {
  document.getElementById("sheet").innerHTML = `<p class="error" role="alert">${e(t("error.load"))} : ${e(error.message)}</p>`;
});
