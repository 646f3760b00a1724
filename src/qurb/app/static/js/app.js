// The map page: navigation (Morocco → region → province → commune), the choropleth, the
// territory and facility panels, search, the language switch and registry editing.
import { can, enc, getJSON, whoAmI } from "./api.js";
import { readAddress, writeAddress } from "./address.js";
import { classCount, legendHTML, noteText, paintColours, palette } from "./choropleth.js";
import { FacilityEditor } from "./editor.js";
import { FacilityCapacityView } from "./facility_capacity.js";
import { FlowLayer } from "./flows.js";
import { LANGS, escapeHtml, initialLang, label, lang, nameOf, num, setLang, t } from "./i18n.js";
import { SearchBox } from "./keyboard.js";
import { MapView } from "./map.js";
import { setupLayout } from "./layout.js";
import { MapOut } from "./mapout.js";
import { chosenTypes, facilityType, markerQuery } from "./markers.js";
import { languageButtons, signInPrompt } from "./shell.js";
import { SitingPanel } from "./siting.js";
import { accessSection, facilityPanel, territoryPanel } from "./panel.js";
import { fillConventions } from "./panel_conventions.js";
import { CommuneTables } from "./tables.js";
import { fillTrend } from "./trend.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
// What the signed-in account may do (nobody: nothing but read the public map).
const rights = {
  edit: await can("registry.edit"),
  history: await can("registry.read"),
  referrals: await can("caravans.read"),
  anonymous: (await whoAmI()).anonymous,
};
const $ = (selector) => document.querySelector(selector);
const LAYER_LEVEL = { regions: "region", provinces: "province", communes: "commune" };
// The API queries behind the panel's facility list and access table; the panel names them
// beside each figure ({code}: the territory's code).
const FACILITIES_QUERY = "sector=public&status=all&limit=200";
const ACCESS_QUERY = "thresholds=30&thresholds=60&thresholds=120";

const state = {
  code: null,
  detail: null,
  gaps: null,
  facilities: null,
  facility: null, // {record, history} when the panel shows a facility
  layerKey: null,
  indicators: [],
  indicator: null,
  worded: null,
  params: {},
  values: [],
  categories: new Map(),
  navigation: 0,
  tableAsked: null, // the tables' choice an address asks for, until the tables show it
  notice: null, // HTML shown above the panel: what of the link could not be shown, and why
};

const layerCache = new Map();
async function layer(name, parent) {
  const key = `${name}:${parent}`;
  if (!layerCache.has(key)) layerCache.set(key, getJSON(`/api/layers/${name}?parent=${enc(parent)}`));
  return layerCache.get(key);
}

function categoryName(code) {
  const c = state.categories.get(code);
  if (!c) return code;
  return lang() === "ar" ? c.name_ar : c.name_fr;
}

function formatValue(entry) {
  if (entry.value === null || entry.value === undefined) return noteText(entry.note);
  const unit = state.indicator ? label(shownIndicator().unit) : "";
  return `${num(entry.value, state.indicator?.decimals ?? 0)} ${unit}`;
}

// The per-commune tables under the map; the tab, offer and threshold chosen go in the address.
const tables = new CommuneTables($("#tables"), { onChange: () => writeAddress(addressState()) });

const view = new MapView($("#map"), config, {
  // While what-if sites are placed by a click, a click on a shape places one (siting.js).
  onArea: (code) => (siting.placing ? null : go(code)),
  onFacility: (id) => openFacility(id),
  categoryName,
  formatValue,
});
const mapOut = new MapOut(view, () => ({ code: state.code, indicator: state.indicator?.id, params: state.params }));
const flows = new FlowLayer(view); // the referral flows, for an account reading referrals' measures
setupLayout(view); // fold buttons; the selection kept clear of the overlays
// The siting fold under the panel's access figures; a scenario shown goes in the address.
const siting = new SitingPanel(view, {
  categories: () => categoryChoices(),
  onScenario: (id) => writeAddress(addressState(), { push: id !== null }),
});

// ------------------------------------------------------------------ navigation

// A step of the reader's own (a click, a search): a new entry in the page's history.
async function go(code) {
  state.notice = null;
  state.facility = null;
  if (await navigate(code)) writeAddress(addressState(), { push: true });
}

function addressState() {
  return {
    code: state.code,
    indicator: state.indicator?.id,
    params: state.params,
    facility: state.facility?.record.id ?? null,
    scenario: state.facility ? null : siting.scenarioId,
    table: tables.choice,
  };
}

/** Show `code` (its map, panel and figures); false when it could not be loaded. */
async function navigate(code) {
  const ticket = ++state.navigation;
  document.body.classList.add("loading");
  try {
    const detail = await getJSON(`/api/territories/${enc(code)}`);
    if (ticket !== state.navigation) return;
    state.code = code;
    state.detail = detail;
    flows.follow(code);
    state.facility = null;
    renderBreadcrumb();
    const focus = detail.focus;
    const key = `${focus.layer}:${focus.parent}`;
    if (key !== state.layerKey) {
      const [areas, context] = await Promise.all([
        layer(focus.layer, focus.parent),
        focus.layer === "regions" ? null : layer("regions", "MA"),
      ]);
      if (ticket !== state.navigation) return;
      state.layerKey = key;
      view.showAreas(areas, { context });
      await Promise.all([loadIndicator(), loadMarkers()]);
    }
    const level = detail.territory.level;
    view.select(level === "commune" || level === "arrondissement" ? detail.territory.code : null);
    renderPanel();
    tables.show(code, state.tableAsked ?? {});
    state.tableAsked = null;
    const [gaps, facilities] = await Promise.all([
      getJSON(`/api/territories/${enc(code)}/gaps?by=${enc(level)}`).catch(() => null),
      getJSON(`/api/facilities?territory=${enc(code)}&${FACILITIES_QUERY}`).catch(() => null),
    ]);
    if (ticket !== state.navigation) return;
    state.gaps = gaps;
    state.facilities = facilities;
    if (!state.facility) renderPanel();
    return true;
  } catch (error) {
    if (ticket !== state.navigation) return false;
    // A link to a territory that is not there: the error, then Morocco's public view.
    state.notice = `<p class="error" role="alert">${t("error.load")} : ${e(error.message)}</p>`;
    if (code !== "MA" && !state.code) {
      await navigate("MA");
      return false;
    }
    $("#panel").innerHTML = state.notice;
    return false;
  } finally {
    if (ticket === state.navigation) {
      document.body.classList.remove("loading");
      document.body.dataset.ready = state.code ?? code;
    }
  }
}

function renderBreadcrumb() {
  const d = state.detail;
  if (!d) return;
  const items = [...d.ancestors, d.territory]
    .map((u, i, all) =>
      i === all.length - 1
        ? `<li aria-current="page"><span>${e(nameOf(u))}</span></li>`
        : `<li><a href="/?t=${e(u.code)}" data-code="${e(u.code)}">${e(nameOf(u))}</a></li>`,
    )
    .join("");
  $("#breadcrumb").innerHTML = `<ol>${items}</ol>`;
}

// ------------------------------------------------------------------ indicators

// The indicator as worded for the chosen parameters (a gap to a national average is not
// "missing"): the values response carries the label and unit for its parameters.
function shownIndicator() {
  if (!state.worded || state.worded.id !== state.indicator?.id) return state.indicator;
  return { ...state.indicator, label: state.worded.label, unit: state.worded.unit };
}

async function loadIndicator() {
  if (!state.indicator || !state.layerKey) return;
  const [layerName, parent] = state.layerKey.split(":");
  const params = new URLSearchParams({ level: LAYER_LEVEL[layerName], parent, ...state.params });
  const body = await getJSON(`/api/indicators/${enc(state.indicator.id)}?${params}`);
  state.values = body.values;
  state.known = body.known || null;
  state.worded = { id: body.indicator, label: body.label, unit: body.unit };
  const option = $("#indicator").querySelector(`option[value="${CSS.escape(body.indicator)}"]`);
  if (option) option.textContent = label(body.label);
  state.classes = body.classes;
  const colours = palette(state.indicator, classCount(body.classes));
  view.setValues(body.values, colours);
  $("#legend").innerHTML = legendHTML(shownIndicator(), body.values, body.classes, colours, state.known) + markerLegend();
  paintColours($("#legend"));
}

function markerLegend() {
  return `<ul class="markers">
    <li><span class="fm fm-essp fm-exact"></span>${t("legend.essp")}</li>
    <li><span class="fm fm-hospital fm-general fm-exact"></span>${t("legend.hospital")}</li>
    <li><span class="fm fm-hospital fm-specialised fm-exact"></span>${t("legend.specialised")}</li>
    <li><span class="fm fm-osm fm-exact"></span>${t("legend.osm")}</li>
    <li><span class="fm fm-osm fm-unknown fm-exact"></span>${t("legend.unknown")}</li>
    <li><span class="fm fm-essp fm-exact"></span>${t("legend.exact")}</li>
    <li><span class="fm fm-essp fm-ref"></span>${t("legend.reference")}</li>
    <li><span class="fm fm-essp fm-ref fm-group"><b>n</b></span>${t("legend.group")}</li></ul>`;
}

function renderIndicatorMenu() {
  const select = $("#indicator");
  const options = state.indicators
    .map((i) => (i.id === state.indicator?.id ? shownIndicator() : i))
    .map((i) => `<option value="${e(i.id)}" ${i.id === state.indicator?.id ? "selected" : ""}>${e(label(i.label))}</option>`)
    .join("");
  // The slot for the access analysis: an indicator registered later appears above it.
  select.innerHTML = `${options}<optgroup label="${e(t("map.access.group"))}" data-slot="access">
    <option disabled>${e(t("map.access.slot"))}</option></optgroup>`;
  const params = state.indicator?.params || [];
  $("#indicator-params").innerHTML = params
    .map(
      (p) => `<label><span>${e(label(p.label))}</span><select data-param="${e(p.name)}">${p.choices
        .map((c) => `<option value="${e(c.value)}" ${c.value === (state.params[p.name] || p.default) ? "selected" : ""}>${e(label(c.label))}</option>`)
        .join("")}</select></label>`,
    )
    .join("");
}

// ------------------------------------------------------------------ markers

let markersAsked = 0;
async function loadMarkers() {
  if (!state.layerKey) return;
  const ticket = ++markersAsked;
  const [layerName, parent] = state.layerKey.split(":");
  // The kinds ticked in the filter. A region shows its hospitals; its health centres
  // appear with the province's communes.
  const types = chosenTypes($("#map-controls"));
  if (layerName === "provinces") types.delete("essp");
  const query = layerName === "regions" ? null : markerQuery(types, state.categories.values());
  if (!query) return view.showFacilities([]);
  query.set("territory", parent);
  query.set("limit", "5000");
  const body = await getJSON(`/api/facilities.geojson?${query}`);
  if (ticket !== markersAsked) return; // another choice was made meanwhile
  view.showFacilities(body.features.filter((f) => types.has(facilityType(f.properties))));
}

// ------------------------------------------------------------------ panels

// Access figures for the territory in the panel: population beyond 30/60/120 min of the
// nearest ESSP and of the nearest hospital, on the bundled commune-graph model.
// The panel is drawn twice on a navigation (then again with its gaps): the figures are
// asked once per territory and registry edit (`accessAsked`, emptied after an edit).
const accessAsked = new Map();
const ACCESS_URL = (level) => `/api/access/{code}?level=${level}&${ACCESS_QUERY}`;

function accessFigures(code) {
  if (!accessAsked.has(code)) {
    const asked = Promise.all([
      getJSON(ACCESS_URL("primary").replace("{code}", enc(code))),
      getJSON(ACCESS_URL("secondary").replace("{code}", enc(code))),
      getJSON(`/api/access/${enc(code)}/distance`),
    ]);
    asked.catch(() => accessAsked.delete(code)); // asked again next time
    accessAsked.set(code, asked);
  }
  return accessAsked.get(code);
}

async function fillAccess(code) {
  const slot = document.querySelector('#panel [data-section="access"]');
  if (!slot) return;
  try {
    const query = ACCESS_URL;
    const [primary, secondary, distance] = await accessFigures(code);
    if (state.detail?.territory.code !== code) return; // the user moved on
    slot.innerHTML = accessSection(primary, secondary, query, distance);
  } catch (error) {
    slot.querySelector(".pending").textContent = `${t("panel.access.error")}: ${error.message}`;
  }
}

function renderPanel() {
  const panel = $("#panel");
  renderPanelBody(panel);
  if (state.notice) panel.insertAdjacentHTML("afterbegin", state.notice);
}

function renderPanelBody(panel) {
  if (state.facility) {
    const { record, history, referrals, what } = state.facility;
    panel.innerHTML = facilityPanel(record, history, {
      categoryName,
      // The grants over this facility's place decide (an editor of another province: no form).
      canEdit: what?.rights.edit ?? false,
      referrals,
      extra: capacityView.html(record, what),
    });
  } else if (state.detail) {
    panel.innerHTML = territoryPanel(state.detail, {
      gaps: state.gaps,
      facilities: state.facilities,
      facilitiesSource: `/api/facilities?territory={code}&${FACILITIES_QUERY}`,
      categoryName,
      canEdit: rights.edit,
    });
    fillAccess(state.detail.territory.code);
    fillTrend(panel, state.detail.territory.code, state.indicator, state.params, shownIndicator());
    fillConventions(panel, state.detail.territory.code, state.indicator, { anonymous: rights.anonymous });
  }
  siting.attach(panel, state.detail);
  if (!rights.edit) {
    panel.insertAdjacentHTML("beforeend", `<p class="readonly">${t("edit.readonly")}</p>`);
  }
}

async function openFacility(id, { push = true } = {}) {
  // The history and the caravan referrals are for accounts that may read them.
  const [record, history, referrals] = await Promise.all([
    getJSON(`/api/facilities/${enc(id)}`),
    // Outside the account's grants (another province's facility): not its to read.
    rights.history ? getJSON(`/api/facilities/${enc(id)}/history`).catch(() => null) : null,
    rights.referrals ? getJSON(`/api/facilities/${enc(id)}/referrals`).catch(() => null) : null,
  ]);
  // Its capacity and equipment: a facility whose parts cannot be read is still shown.
  const what = await capacityView.load(record).catch(() => null);
  state.facility = { record, history, referrals, what };
  renderPanel();
  $("#panel").scrollTop = 0;
  if (push) writeAddress(addressState(), { push: true });
}

const editor = new FacilityEditor($("#editor"), {
  categories: [],
  onSaved: async (saved) => {
    accessAsked.clear(); // an edit may change who is nearest
    await openFacility(saved.id);
    state.layerKey && (await Promise.all([loadMarkers(), loadIndicator()]));
    $("#panel").insertAdjacentHTML("afterbegin", `<p class="saved" role="status">${t("form.saved")}</p>`);
  },
  onStale: async () => state.facility && (await openFacility(state.facility.record.id)),
});

const capacityView = new FacilityCapacityView($("#editor"), {
  anonymous: rights.anonymous,
  onSaved: () => editor.onSaved(state.facility.record),
  onStale: editor.onStale,
});

// The controls change the map as they change; the form is never sent.
$("#map-controls").addEventListener("submit", (event) => event.preventDefault());

$("#panel").addEventListener("click", (event) => {
  const target = event.target.closest("[data-action], [data-open]");
  if (!target) return;
  if (target.dataset.open) return openFacility(target.dataset.open);
  const action = target.dataset.action;
  if (action === "print") window.print();
  if (action === "back") {
    state.facility = null;
    state.notice = null;
    renderPanel();
    writeAddress(addressState(), { push: true });
  }
  if (action === "add") editor.add(state.detail.territory.code);
  if (action === "edit") editor.edit(state.facility.record);
  if (action === "close-facility") editor.close(state.facility.record);
  if (action === "reopen-facility") editor.reopen(state.facility.record);
  if (state.facility) capacityView.act(action, target, state.facility);
});

// A filled workbook of the province, sent to its import.
$("#panel").addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-action=import-workbook]");
  if (!form || !state.facility) return;
  event.preventDefault();
  const { id, province_code: province } = state.facility.record;
  capacityView.importWorkbook(form, province, () => openFacility(id, { push: false }));
});

// ------------------------------------------------------------------ search

new SearchBox($("#search"), $("#search-results"), {
  find: async (text) => (await getJSON(`/api/territories?q=${enc(text)}&limit=12`)).items,
  option: (u) =>
    `${u.matched && u.matched !== nameOf(u) ? `<bdi>${e(u.matched)}</bdi> ${lang() === "ar" ? "←" : "→"} ` : ""}${e(nameOf(u))}
    <small>${t(`level.${u.level}`)} · ${e(u.code)} · ${e(lang() === "ar" ? u.name_fr : u.name_ar)}</small>`,
  none: () => t("search.none"),
  words: () => t("search.results"),
  onPick: (u) => go(u.code),
});
$("#breadcrumb").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-code]");
  if (!link) return;
  event.preventDefault();
  go(link.dataset.code);
});

// ------------------------------------------------------------------ controls

$("#indicator").addEventListener("change", async (event) => {
  state.indicator = state.indicators.find((i) => i.id === event.target.value) || null;
  state.params = {};
  renderIndicatorMenu();
  await loadIndicator();
  // The panel's sections follow the layer (its trend, the conventions first or after the gaps).
  if (!state.facility) renderPanel();
  writeAddress(addressState());
});
$("#indicator-params").addEventListener("change", async (event) => {
  const name = event.target.dataset.param;
  if (!name) return;
  state.params[name] = event.target.value;
  await loadIndicator();
  writeAddress(addressState());
});
$("#facility-types").addEventListener("change", () => loadMarkers());

// The language buttons (shell.js): the words switched, then the map and panels drawn again.
const switchLanguage = languageButtons((next) => {
  view.setDirection(next === "ar");
  view.relabel();
  renderIndicatorMenu();
  renderBreadcrumb();
  renderPanel();
  // The capacity's catalogue in the new language (read once per language), then drawn again.
  if (state.facility?.what) capacityView.relabel(state.facility.what).then((again) => again && renderPanel());
  tables.refresh();
  if (state.indicator && state.values.length) {
    const colours = palette(state.indicator, classCount(state.classes));
    $("#legend").innerHTML = legendHTML(shownIndicator(), state.values, state.classes, colours, state.known) + markerLegend();
    paintColours($("#legend"));
  }
  editor.categories = categoryChoices();
  mapOut.relabel();
  flows.relabel();
  siting.relabel();
});

function categoryChoices() {
  return [...state.categories.values()].map((c) => ({ code: c.code, label: categoryName(c.code) }));
}

// ------------------------------------------------------------------ the address

const DEFAULT_INDICATOR = "population_2024";

/** Take the page's state from its address (a shared link, back and forward): whatever
 * is unknown or malformed falls back to the default, never to an error. */
async function applyAddress() {
  const asked = readAddress(state.indicators);
  state.notice = asked.rejected
    ? `<p class="notice" role="status">${e(t("shell.unknown_territory", { code: asked.rejected.slice(0, 40) }))}</p>`
    : null;
  const indicator = asked.indicator ?? state.indicators.find((i) => i.id === DEFAULT_INDICATOR);
  const changed = indicator?.id !== state.indicator?.id || JSON.stringify(asked.params) !== JSON.stringify(state.params);
  state.indicator = indicator || state.indicators[0] || null;
  state.params = asked.params;
  renderIndicatorMenu();
  if (changed) state.layerKey && (await loadIndicator());
  state.facility = null;
  state.tableAsked = asked.table; // the tables' tab, offer and threshold (checked by tables.js)
  const shown = await navigate(asked.code);
  if (shown && asked.facility) {
    try {
      await openFacility(asked.facility, { push: false });
      if (!rights.history) state.notice = signInPrompt("shell.facility_history_hidden");
      renderPanel();
    } catch {
      // A facility that is not there (closed links, a typo): the territory stays shown.
    }
  }
  if (shown && asked.scenario && !asked.facility) await siting.open(asked.scenario);
  // An old link (/#code) becomes the address of what it shows.
  if (shown && location.hash) writeAddress(addressState());
}

window.addEventListener("popstate", () => applyAddress());
window.addEventListener("hashchange", () => applyAddress());

async function start() {
  await setLang(initialLang());
  const [categories, indicators] = await Promise.all([
    getJSON("/api/categories"),
    getJSON("/api/indicators"),
  ]);
  state.categories = new Map(categories.map((c) => [c.code, c]));
  state.indicators = indicators;
  state.indicator = indicators.find((i) => i.id === DEFAULT_INDICATOR) || indicators[0] || null;
  await switchLanguage(lang());
  await applyAddress();
}

start();
export { LANGS };
