// The map page: navigation (Morocco → region → province → commune), the choropleth, the
// territory and facility panels, search, the language switch and registry editing.
import { can, enc, getJSON } from "./api.js";
import { legendHTML, noteText, paintColours, palette, quantileBreaks } from "./choropleth.js";
import { FacilityEditor } from "./editor.js";
import { LANGS, escapeHtml, initialLang, label, lang, nameOf, num, setLang, t } from "./i18n.js";
import { MapView } from "./map.js";
import { setupLayout } from "./layout.js";
import { accessSection, facilityPanel, territoryPanel } from "./panel.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
// What the signed-in account may do (nobody: nothing but read the public map).
const rights = {
  edit: await can("registry.edit"),
  history: await can("registry.read"),
  referrals: await can("caravans.read"),
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
  showPublic: true,
  showPrivate: false,
  navigation: 0,
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

const view = new MapView($("#map"), config, {
  onArea: (code) => go(code),
  onFacility: (id) => openFacility(id),
  categoryName,
  formatValue,
});
setupLayout(view); // fold buttons; the selection kept clear of the overlays

// ------------------------------------------------------------------ navigation

function go(code) {
  if (location.hash.slice(1) === code) navigate(code);
  else location.hash = code;
}

async function navigate(code) {
  const ticket = ++state.navigation;
  document.body.classList.add("loading");
  try {
    const detail = await getJSON(`/api/territories/${enc(code)}`);
    if (ticket !== state.navigation) return;
    state.code = code;
    state.detail = detail;
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
    const [gaps, facilities] = await Promise.all([
      getJSON(`/api/territories/${enc(code)}/gaps?by=${enc(level)}`).catch(() => null),
      getJSON(`/api/facilities?territory=${enc(code)}&${FACILITIES_QUERY}`).catch(() => null),
    ]);
    if (ticket !== state.navigation) return;
    state.gaps = gaps;
    state.facilities = facilities;
    if (!state.facility) renderPanel();
  } catch (error) {
    $("#panel").innerHTML = `<p class="error" role="alert">${t("error.load")} : ${e(error.message)}</p>`;
  } finally {
    if (ticket === state.navigation) {
      document.body.classList.remove("loading");
      document.body.dataset.ready = code;
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
        : `<li><a href="#${e(u.code)}" data-code="${e(u.code)}">${e(nameOf(u))}</a></li>`,
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
  state.worded = { id: body.indicator, label: body.label, unit: body.unit };
  const option = $("#indicator").querySelector(`option[value="${CSS.escape(body.indicator)}"]`);
  if (option) option.textContent = label(body.label);
  const breaks = quantileBreaks(body.values.map((v) => v.value));
  const colours = palette(state.indicator, breaks.length + 1);
  view.setValues(body.values, breaks, colours);
  $("#legend").innerHTML = legendHTML(shownIndicator(), body.values, breaks, colours) + markerLegend();
  paintColours($("#legend"));
}

function markerLegend() {
  return `<ul class="markers">
    <li><span class="fm fm-essp fm-exact"></span>${t("legend.essp")}</li>
    <li><span class="fm fm-hospital fm-exact"></span>${t("legend.hospital")}</li>
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

async function loadMarkers() {
  if (!state.layerKey) return;
  const [layerName, parent] = state.layerKey.split(":");
  if (layerName === "regions" || (!state.showPublic && !state.showPrivate)) {
    view.showFacilities([]);
    return;
  }
  // The OpenStreetMap layer holds every OSM point outside the Ministry lists: private ones,
  // and those of unknown sector in their own style (counted in neither offer).
  const sector = state.showPrivate ? "all" : "public";
  const url = `/api/facilities.geojson?territory=${enc(parent)}&sector=${sector}&limit=5000`;
  const body = await getJSON(url);
  let features = body.features;
  if (!state.showPrivate) features = features.filter((f) => f.properties.family !== "osm");
  if (!state.showPublic) features = features.filter((f) => f.properties.family === "osm");
  // A region shows its hospitals; its health centres appear with the province's communes.
  if (layerName === "provinces") features = features.filter((f) => f.properties.family !== "ESSP");
  view.showFacilities(features);
}

// ------------------------------------------------------------------ panels

// Access figures for the territory in the panel: population beyond 30/60/120 min of the
// nearest ESSP and of the nearest hospital, on the bundled commune-graph model.
async function fillAccess(code) {
  const slot = document.querySelector('#panel [data-section="access"]');
  if (!slot) return;
  try {
    const query = (level) => `/api/access/{code}?level=${level}&${ACCESS_QUERY}`;
    const [primary, secondary, distance] = await Promise.all([
      getJSON(query("primary").replace("{code}", enc(code))),
      getJSON(query("secondary").replace("{code}", enc(code))),
      getJSON(`/api/access/${enc(code)}/distance`),
    ]);
    if (state.detail?.territory.code !== code) return; // the user moved on
    slot.innerHTML = accessSection(primary, secondary, query, distance);
  } catch (error) {
    slot.querySelector(".pending").textContent = `${t("panel.access.error")}: ${error.message}`;
  }
}

function renderPanel() {
  const panel = $("#panel");
  if (state.facility) {
    panel.innerHTML = facilityPanel(state.facility.record, state.facility.history, {
      categoryName,
      canEdit: rights.edit,
      referrals: state.facility.referrals,
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
  }
  if (!rights.edit) {
    panel.insertAdjacentHTML("beforeend", `<p class="readonly">${t("edit.readonly")}</p>`);
  }
}

async function openFacility(id) {
  // The history and the caravan referrals are for accounts that may read them.
  const [record, history, referrals] = await Promise.all([
    getJSON(`/api/facilities/${enc(id)}`),
    rights.history ? getJSON(`/api/facilities/${enc(id)}/history`) : null,
    rights.referrals ? getJSON(`/api/facilities/${enc(id)}/referrals`) : null,
  ]);
  state.facility = { record, history, referrals };
  renderPanel();
  $("#panel").scrollTop = 0;
}

const editor = new FacilityEditor($("#editor"), {
  categories: [],
  onSaved: async (saved) => {
    await openFacility(saved.id);
    state.layerKey && (await Promise.all([loadMarkers(), loadIndicator()]));
    $("#panel").insertAdjacentHTML("afterbegin", `<p class="saved" role="status">${t("form.saved")}</p>`);
  },
  onStale: async () => state.facility && (await openFacility(state.facility.record.id)),
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
    renderPanel();
  }
  if (action === "add") editor.add(state.detail.territory.code);
  if (action === "edit") editor.edit(state.facility.record);
  if (action === "close-facility") editor.close(state.facility.record);
  if (action === "reopen-facility") editor.reopen(state.facility.record);
});

// ------------------------------------------------------------------ search

let searchTimer = null;
async function search(text) {
  const list = $("#search-results");
  if (!text.trim()) {
    list.innerHTML = "";
    list.hidden = true;
    return;
  }
  const body = await getJSON(`/api/territories?q=${enc(text)}&limit=12`);
  list.hidden = false;
  list.innerHTML = body.items.length
    ? body.items
        .map(
          (u) => `<li role="option"><button type="button" data-code="${e(u.code)}">${u.matched && u.matched !== nameOf(u) ? `<bdi>${e(u.matched)}</bdi> ${lang() === "ar" ? "←" : "→"} ` : ""}${e(nameOf(u))}
            <small>${t(`level.${u.level}`)} · ${e(u.code)} · ${e(lang() === "ar" ? u.name_fr : u.name_ar)}</small></button></li>`,
        )
        .join("")
    : `<li class="none">${t("search.none")}</li>`;
}

$("#search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => search(event.target.value), 180);
});
$("#search").addEventListener("keydown", async (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  clearTimeout(searchTimer);
  await search(event.target.value);
  $("#search-results button")?.click();
});
$("#search-results").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-code]");
  if (!button) return;
  $("#search-results").hidden = true;
  $("#search").value = "";
  go(button.dataset.code);
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
});
$("#indicator-params").addEventListener("change", async (event) => {
  const name = event.target.dataset.param;
  if (!name) return;
  state.params[name] = event.target.value;
  await loadIndicator();
});
$("#show-public").addEventListener("change", async (event) => {
  state.showPublic = event.target.checked;
  await loadMarkers();
});
$("#show-private").addEventListener("change", async (event) => {
  state.showPrivate = event.target.checked;
  await loadMarkers();
});

async function switchLanguage(next) {
  await setLang(next);
  view.setDirection(next === "ar");
  for (const button of document.querySelectorAll("[data-lang]"))
    button.setAttribute("aria-pressed", String(button.dataset.lang === next));
  renderIndicatorMenu();
  renderBreadcrumb();
  renderPanel();
  if (state.indicator && state.values.length) {
    const breaks = quantileBreaks(state.values.map((v) => v.value));
    const colours = palette(state.indicator, breaks.length + 1);
    $("#legend").innerHTML = legendHTML(shownIndicator(), state.values, breaks, colours) + markerLegend();
    paintColours($("#legend"));
  }
  editor.categories = categoryChoices();
}

function categoryChoices() {
  return [...state.categories.values()].map((c) => ({ code: c.code, label: categoryName(c.code) }));
}

for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.lang));
}

window.addEventListener("hashchange", () => navigate(location.hash.slice(1) || "MA"));

async function start() {
  await setLang(initialLang());
  const [categories, indicators] = await Promise.all([
    getJSON("/api/categories"),
    getJSON("/api/indicators"),
  ]);
  state.categories = new Map(categories.map((c) => [c.code, c]));
  state.indicators = indicators;
  state.indicator = indicators.find((i) => i.id === "population_2024") || indicators[0] || null;
  await switchLanguage(lang());
  await navigate(location.hash.slice(1) || "MA");
}

start();
export { LANGS };
