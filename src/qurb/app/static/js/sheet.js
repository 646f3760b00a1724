// The printable fact sheet of a territory (/sheet/{code}?lang=fr|ar|en).
import { enc, getJSON } from "./api.js";
import { date, escapeHtml, initialLang, lang, nameOf, setLang, t } from "./i18n.js";
import { censusTable, estimateNote, facilityList, gapsTable, offerTable } from "./panel.js";
import { pyramidSVG } from "./pyramid.js";

const e = escapeHtml;
const { code } = JSON.parse(document.getElementById("qurb-config").textContent);
// The public facilities listed on the sheet; the list names this query beside its counts.
const FACILITIES_QUERY = "sector=public&limit=500";

async function render() {
  await setLang(initialLang());
  const [detail, categories] = await Promise.all([
    getJSON(`/api/territories/${enc(code)}`),
    getJSON("/api/categories"),
  ]);
  const names = new Map(categories.map((c) => [c.code, c]));
  const categoryName = (c) => (lang() === "ar" ? names.get(c)?.name_ar : names.get(c)?.name_fr) || c;
  const level = detail.territory.level;
  const [gaps, facilities] = await Promise.all([
    getJSON(`/api/territories/${enc(code)}/gaps?by=${enc(level)}`),
    getJSON(`/api/facilities?territory=${enc(code)}&${FACILITIES_QUERY}`),
  ]);
  const u = detail.territory;
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
    <section><h2>${t("panel.offer")}</h2>${offerTable(detail, categoryName)}</section>
    <section><h2>${t("panel.gaps.both")}</h2>${gapsTable(gaps)}</section>
    <section><h2>${t("panel.facilities")}</h2>${facilityList(facilities, categoryName, `/api/facilities?territory={code}&${FACILITIES_QUERY}`)}</section>
    <footer class="sources"><p>${t("source.census")}</p>
      <p>Ministère de la Santé et de la Protection Sociale (listes 2024) · <a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a> (ODbL) · <a href="/licences">${e(t("map.licences"))}</a></p>
      <p>${e(t("sheet.generated", { date: date(new Date().toISOString()) }))}</p></footer>`;
  document.getElementById("print").addEventListener("click", () => window.print());
  document.body.dataset.ready = code;
}

render().catch((error) => {
  document.getElementById("sheet").innerHTML = `<p class="error" role="alert">${e(t("error.load"))} : ${e(error.message)}</p>`;
});
