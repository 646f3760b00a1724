// The caravan pages: the saved campaigns (/caravans) and one campaign's plan
// (/caravans/{id}): its map, calendar, communes not visited, priority, documents and, in
// local mode, the record of what the visits gave.
/* global L */
import { can, enc, getJSON } from "./api.js";
import { CampaignForm } from "./caravan_form.js";
import { keepRecordGrid, renderRecordGrid } from "./caravan_record.js";
import { paintColours } from "./choropleth.js";
import { dataCredit } from "./credit.js";
import { escapeHtml, initialLang, lang, locale, nameOf, num, t } from "./i18n.js";
import { languageButtons } from "./shell.js";

/** A dropped commune's reason in the page's language (the server's English otherwise). */
function reasonText(d) {
  if (!d.reason_code) return d.reason;
  const v = { ...d.reason_values };
  for (const k of ["score", "lowest_kept"]) if (k in v) v[k] = num(v[k], 3);
  for (const k of ["travel", "needed", "day", "unit_days"]) if (k in v) v[k] = num(v[k]);
  // A base's Latin name inside an Arabic sentence: isolate it (FSI … PDI) so the
  // numbers around it keep their places.
  if (v.base) v.base = `\u2068${v.base}\u2069`;
  const key = `caravan.reason.${d.reason_code}`;
  const text = t(key, v);
  return text === key ? d.reason : text;
}

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
// What the signed-in account may do here (the server checks it again over the campaign).
const rights = { plan: await can("caravans.plan"), record: await can("caravans.record") };
const root = document.getElementById("caravan");
const COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457"];

const state = {
  campaigns: null,
  // The server's codes: record kinds, age bands, sexes, priority parts (/api/caravans/vocabulary).
  vocabulary: null,
  data: null, // {id, plan, spec}
  report: null,
  map: null,
  layers: null,
  areas: null,
  campaignForm: null, // the new campaign's form (caravan_form.js), kept across a language switch
};

// ------------------------------------------------------------------ formatting

function day(iso, style = "long") {
  const options =
    style === "long"
      ? { weekday: "long", day: "numeric", month: "long", year: "numeric" }
      : { day: "numeric", month: "short", year: "numeric" };
  return new Intl.DateTimeFormat(locale(), options).format(new Date(`${iso}T12:00:00`));
}

function specialtyName(s) {
  if (lang() === "ar") return s.label_ar || s.code;
  if (lang() === "en") return s.label_en || s.code.replaceAll("_", " ");
  return s.label_fr || s.code;
}

function specialties() {
  return state.data?.plan.campaign.specialties || [];
}

function unitColours(plan) {
  const colours = new Map();
  plan.campaign.units.forEach((u, i) => colours.set(u.name, COLOURS[i % COLOURS.length]));
  for (const d of plan.days) if (!colours.has(d.unit)) colours.set(d.unit, COLOURS[colours.size % COLOURS.length]);
  return colours;
}

const stopsOf = (plan) => plan.days.flatMap((d) => d.stops);
const swatch = (colour) => `<span class="swatch" data-colour="${e(colour)}"></span>`;

function expectedText(expected) {
  return specialties()
    .map((s) => `${e(specialtyName(s))} : ${num(expected[s.code] ?? 0)}`)
    .join(" · ");
}

// ------------------------------------------------------------------ list page

async function renderList() {
  if (state.campaigns === null) state.campaigns = await getJSON("/api/caravans");
  document.title = `Qurb — ${t("caravan.title")}`;
  const rows = state.campaigns
    .map(
      (c) => `<tr data-id="${e(c.id)}">
        <td><a href="/caravans/${enc(c.id)}">${e(c.name)}</a><br><small class="code">${e(c.id)}</small></td>
        <td>${e(nameOf({ name_fr: c.territory_name_fr, name_ar: c.territory_name_ar }))} <small class="code">${e(c.territory)}</small></td>
        <td>${e(t("caravan.period", { start: day(c.start, "short"), end: day(c.end, "short") }))}</td>
        <td class="num">${num(c.visits)}</td>
        <td>${e(c.created_by)}</td></tr>`,
    )
    .join("");
  const table = state.campaigns.length
    ? `<div class="table-scroll" tabindex="0"><table class="cv-campaigns"><thead><tr><th>${t("caravan.col.name")}</th><th>${t("caravan.col.territory")}</th>
        <th>${t("caravan.col.dates")}</th><th class="num">${t("caravan.col.visits")}</th><th>${t("caravan.col.created")}</th></tr></thead>
        <tbody>${rows}</tbody></table></div>`
    : `<p>${t("caravan.none")}</p>`;
  const form = rights.plan
    ? `<section id="cv-new" class="no-print"></section>`
    : `<p class="readonly">${t("caravan.readonly")}</p>`;
  root.innerHTML = `<h2>${t("caravan.list")}</h2>${table}${form}`;
  if (rights.plan) {
    state.campaignForm ??= new CampaignForm(config);
    await state.campaignForm.mount(document.getElementById("cv-new"));
  }
  document.body.dataset.ready = "list";
}

// ------------------------------------------------------------------ campaign page

function skeleton() {
  root.innerHTML = `
    <header id="cv-head" class="cv-head"></header>
    <section><h2 data-i18n="caravan.map"></h2>
      <div id="cv-map" aria-label="map"></div>
      <div id="cv-legend" class="cv-legend"></div>
      <p class="note" id="cv-map-note"></p></section>
    <section id="cv-links-section"></section>
    <section id="cv-calendar"></section>
    <section id="cv-record" class="no-print"></section>
    <section id="cv-dropped"></section>
    <section id="cv-priority"></section>`;
}

function renderHead(plan) {
  const c = plan.campaign;
  const tot = plan.totals;
  document.title = `Qurb — ${c.name}`;
  document.getElementById("cv-head").innerHTML = `
    <h2 data-field="name"><bdi>${e(c.name)}</bdi></h2>
    <p class="meta"><span data-field="territory">${e(nameOf(c.territory))}</span> ·
      ${e(t("caravan.period", { start: day(c.start), end: day(c.end) }))} · <span dir="ltr">${e(c.hours.join("–"))}</span></p>
    <p class="meta">${e(
      t("caravan.summary", {
        visits: num(tot.visits),
        communes: num(tot.communes_visited),
        candidates: num(tot.candidates),
        population: num(tot.population_of_visited_communes),
        km: num(tot.distance_km),
      }),
    )}</p>
    <p class="meta">${t("caravan.partners")}${t("punct.colon")} ${c.partners.map((p) => `<bdi>${e(p.name)}</bdi>`).join(t("list.separator")) || "—"}</p>
    ${rights.record ? "" : `<p class="meta readonly">${t("caravan.readonly")}</p>`}`;
}

function renderLinks(plan) {
  const id = state.data.id;
  const base = `/api/caravans/${enc(id)}`;
  const visited = new Map();
  for (const s of stopsOf(plan)) if (!visited.has(s.code)) visited.set(s.code, s);
  const notices = [...visited.values()]
    .map((s) => `<li><a href="/caravans/${enc(id)}/notice/${enc(s.code)}" data-notice="${e(s.code)}">${e(nameOf(s))}</a></li>`)
    .join("");
  document.getElementById("cv-links-section").innerHTML = `
    <h2>${t("caravan.downloads")}</h2>
    <ul class="cv-links">
      <li><a href="${base}/calendar.ics" data-link="ics">${t("caravan.ics")}</a></li>
      <li><a href="${base}/routes.geojson" data-link="geojson">${t("caravan.geojson")}</a></li>
      <li><a href="${base}/plan.csv" data-link="csv">${t("caravan.csv")}</a></li>
      <li><a href="/caravans/${enc(id)}/report?lang=${lang()}" data-link="report">${t("caravan.report")}</a></li>
    </ul>
    <h3>${t("caravan.notices")}</h3><ul class="cv-links">${notices}</ul>
    <h3>${t("caravan.roadsheets")}</h3><ul class="cv-links">${roadSheets(plan)}</ul>`;
}

// One printable road sheet per unit that drives: its stops, times, legs, contacts, route.
function roadSheets(plan) {
  const id = state.data.id;
  return [...new Set(plan.days.map((d) => d.unit))]
    .map((u) => `<li><a href="/caravans/${enc(id)}/roadsheet?unit=${enc(u)}&amp;lang=${lang()}" data-roadsheet="${e(u)}">${e(t("caravan.roadsheet", { unit: u }))}</a></li>`)
    .join("");
}

// One popup per commune: every visit of the plan to it, in date order.
function popup(visits) {
  const el = document.createElement("div");
  el.dir = document.documentElement.dir;
  el.className = "cv-popup";
  const first = visits[0];
  el.innerHTML = `<strong>${e(first.name_fr)}</strong> — <span lang="ar" dir="rtl">${e(first.name_ar)}</span>
    ${visits
      .map(
        (stop) => `<div class="cv-popup-visit" data-stop="${stop.number}"><strong>${stop.number}.</strong>
    <div>${t("caravan.popup.date")} : ${e(day(stop.date))}</div>
    <div>${t("caravan.popup.hours")} : <span dir="ltr">${e(stop.start)}–${e(stop.departure)}</span></div>
    <div>${t("caravan.col.unit")} : ${e(stop.unit)} · ${t("caravan.col.visit")} ${e(stop.visit)}</div>
    <div class="estimate" title="${e(t("estimate.expected"))}">${t("caravan.col.expected")} <abbr class="estimate-mark">*</abbr> : ${expectedText(stop.expected)}</div></div>`,
      )
      .join("")}`;
  return el;
}

async function drawMap(plan) {
  if (!state.map) {
    const map = L.map("cv-map", { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(dataCredit());
    if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "" }).addTo(map);
    state.renderer = L.svg({ padding: 0.5 }).addTo(map);
    state.areas = L.geoJSON(null, {
      renderer: state.renderer,
      interactive: false,
      style: () => ({ color: "#9e9e9e", weight: 1, fillColor: "#e8edf2", fillOpacity: 0.7, className: "cv-area" }),
    }).addTo(map);
    state.layers = L.layerGroup().addTo(map);
    state.map = map;
    const territory = plan.campaign.territory;
    if (territory.level === "province" || territory.level === "region") {
      getJSON(`/api/layers/communes?parent=${enc(territory.code)}`)
        .then((areas) => {
          state.areas.addData(areas);
          state.areas.bringToBack();
        })
        .catch(() => {
          /* the routes stand without the commune outlines */
        });
    }
  }
  state.map.zoomControl.setPosition(lang() === "ar" ? "topright" : "topleft");
  state.layers.clearLayers();
  const colours = unitColours(plan);
  const bounds = [];
  plan.days.forEach((d, k) => {
    const latlngs = d.path.map(([lon, lat]) => [lat, lon]);
    bounds.push(...latlngs);
    L.polyline(latlngs, {
      renderer: state.renderer,
      color: colours.get(d.unit),
      weight: 3,
      opacity: 0.85,
      className: `cv-route cv-route-${k + 1}`,
    })
      .bindTooltip(`${e(d.unit)} · ${e(day(d.date, "short"))} · ${num(d.distance_km)} km`, { sticky: true })
      .addTo(state.layers);
  });
  // One marker per commune, with a numbered badge per visit: a commune visited twice
  // would otherwise hide its first visit under the second.
  const byCommune = new Map();
  for (const d of plan.days) {
    for (const s of d.stops) {
      if (!byCommune.has(s.code)) byCommune.set(s.code, []);
      byCommune.get(s.code).push({ ...s, colour: colours.get(d.unit) });
    }
  }
  for (const visits of byCommune.values()) {
    visits.sort((a, b) => a.number - b.number);
    const icon = L.divIcon({
      className: "cv-stops",
      html: visits
        .map((s) => `<span class="cv-stop" data-stop="${s.number}" data-colour="${e(s.colour)}">${s.number}</span>`)
        .join(""),
      iconSize: [22 * visits.length, 22],
    });
    const title = `${visits.map((s) => s.number).join(", ")}. ${nameOf(visits[0])}`;
    const marker = L.marker([visits[0].lat, visits[0].lon], { icon, title });
    marker.on("add", () => paintColours(marker.getElement()));
    marker.bindPopup(() => popup(visits), { maxWidth: 320 }).addTo(state.layers);
  }
  for (const b of plan.campaign.bases) {
    L.circleMarker([b.lat, b.lon], {
      renderer: state.renderer,
      radius: 7,
      color: "#111",
      weight: 2,
      fillColor: "#fff",
      fillOpacity: 1,
      className: "cv-base",
    })
      .bindTooltip(e(b.name))
      .addTo(state.layers);
    bounds.push([b.lat, b.lon]);
  }
  if (!state.fitted && bounds.length) {
    state.map.fitBounds(bounds, { padding: [24, 24] });
    state.fitted = true;
  }
  document.getElementById("cv-legend").innerHTML = [...colours]
    .map(([unit, colour]) => `<span><i data-colour="${e(colour)}"></i>${e(unit)}</span>`)
    .join("");
  paintColours(document.getElementById("cv-legend"));
  document.getElementById("cv-map-note").textContent = t("caravan.map.note");
}

function renderCalendar(plan) {
  const colours = unitColours(plan);
  const done = new Map((state.report?.stops || []).map((r) => [r.number, r]));
  const byDate = new Map();
  for (const s of stopsOf(plan)) {
    if (!byDate.has(s.date)) byDate.set(s.date, []);
    byDate.get(s.date).push(s);
  }
  const spec = specialties();
  const width = 5 + spec.length;
  const body = [...byDate.keys()]
    .sort()
    .map((date) => {
      const rows = byDate
        .get(date)
        .sort((a, b) => a.unit.localeCompare(b.unit) || a.start.localeCompare(b.start))
        .map((s) => {
          const r = done.get(s.number);
          return `<tr data-stop="${s.number}" data-code="${e(s.code)}">
            <td class="num">${s.number}</td>
            <td>${swatch(colours.get(s.unit))}${e(s.unit)}</td>
            <td data-field="commune">${e(nameOf(s))}${s.label !== s.name_fr ? ` <small>(${e(s.label)})</small>` : ""}</td>
            <td><span dir="ltr">${e(s.arrival)}–${e(s.departure)}</span>${s.arrived_evening_before ? " *" : ""}</td>
            ${spec.map((sp) => `<td class="num">${num(s.expected[sp.code] ?? 0)}</td>`).join("")}
            <td class="num" data-field="done">${r && r.done !== null ? num(r.done) : "—"}</td></tr>`;
        })
        .join("");
      return `<tr class="cv-date"><th colspan="${width + 1}">${e(day(date))}</th></tr>${rows}`;
    })
    .join("");
  document.getElementById("cv-calendar").innerHTML = `<h2>${t("caravan.calendar")}</h2>
    <div class="table-scroll" tabindex="0"><table class="cv-calendar"><thead><tr><th class="num">${t("caravan.col.number")}</th><th>${t("caravan.col.unit")}</th>
      <th>${t("caravan.col.commune")}</th><th>${t("caravan.col.hours")}</th>
      ${spec.map((s) => `<th class="num estimate" title="${e(t("estimate.expected"))}">${t("caravan.col.expected")} · ${e(specialtyName(s))} <abbr class="estimate-mark">*</abbr></th>`).join("")}
      <th class="num">${t("caravan.col.done")}</th></tr></thead><tbody>${body}</tbody></table></div>`;
  paintColours(document.getElementById("cv-calendar"));
}

function renderDropped(plan) {
  const names = new Map(plan.priority.map((p) => [p.code, p]));
  const rows = plan.dropped
    .map(
      (d) => `<tr data-code="${e(d.code)}"><td>${e(nameOf(d))} <small class="code">${e(d.code)}</small></td>
        <td class="num">${num(d.score, 3)}</td><td class="reason">${e(reasonText(d))}</td></tr>`,
    )
    .concat(
      plan.forced_out.map(
        (code) => `<tr data-code="${e(code)}"><td>${e(nameOf(names.get(code)) || code)} <small class="code">${e(code)}</small></td>
          <td class="num">${num(names.get(code)?.score, 3)}</td><td class="reason">${t("caravan.forced_out")}</td></tr>`,
      ),
    )
    .join("");
  document.getElementById("cv-dropped").innerHTML = `<h2>${t("caravan.dropped")}</h2>${
    rows
      ? `<div class="table-scroll" tabindex="0"><table><thead><tr><th>${t("caravan.col.commune")}</th><th class="num">${t("caravan.col.score")}</th>
          <th>${t("caravan.col.reason")}</th></tr></thead><tbody>${rows}</tbody></table></div>`
      : `<p>${t("caravan.dropped.none")}</p>`
  }`;
}

// The gap part under a national average ratio is a distance from the average, not a
// share unserved: its heading says so (plans saved before norm_kind keep the old one).
function partKey(plan, name) {
  return name === "norm_gap" && plan.campaign.norm_kind === "reference_ratio"
    ? "caravan.part.norm_gap.reference_ratio"
    : `caravan.part.${name}`;
}

function renderPriority(plan) {
  const rows = plan.priority
    .map((p) => {
      const parts = new Map(p.parts.map((x) => [x.part, x]));
      return `<tr data-code="${e(p.code)}"><td class="num">${p.rank}</td>
        <td>${e(nameOf(p))} <small class="code">${e(p.code)}</small></td>
        <td class="num">${num(p.population)}</td><td class="num">${num(p.minutes_to_essp)}</td>
        <td class="num" data-field="score"><strong>${num(p.score, 3)}</strong></td>
        ${state.vocabulary.priority_parts.map((name) => {
          const x = parts.get(name);
          if (!x) return "<td></td>";
          const title = `${t("caravan.part.value")} ${x.value === null ? t("unknown") : num(x.value, 3)} · ×${num(x.weight, 2)}`;
          return `<td class="num" title="${e(title)}">${num(x.contribution, 3)}</td>`;
        }).join("")}
        <td class="num">${num(p.visits)}</td>
        <td>${p.forced ? e(t(`caravan.forced.${p.forced}`)) : ""}</td></tr>`;
    })
    .join("");
  document.getElementById("cv-priority").innerHTML = `<h2>${t("caravan.priority")}</h2>
    <p class="note">${t("caravan.priority.note")}</p>
    <div class="table-scroll" tabindex="0"><table class="cv-priority"><thead><tr><th class="num">${t("caravan.col.rank")}</th><th>${t("caravan.col.commune")}</th>
      <th class="num">${t("caravan.col.population")}</th><th class="num">${t("caravan.col.minutes")}</th>
      <th class="num">${t("caravan.col.score")}</th>
      ${state.vocabulary.priority_parts.map((name) => `<th class="num">${t(partKey(plan, name))}</th>`).join("")}
      <th class="num">${t("caravan.col.visits")}</th><th>${t("caravan.col.forced")}</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

// The record section is caravan_record.js's: a grid per stop and a file upload.
function renderRecord(plan) {
  const section = document.getElementById("cv-record");
  if (!rights.record) {
    section.innerHTML = "";
    return;
  }
  renderRecordGrid(section, {
    campaignId: state.data.id,
    stops: stopsOf(plan).map((s) => ({ number: s.number, text: `${s.number} · ${day(s.date, "short")} · ${nameOf(s)}` })),
    specialties: specialties(),
    specialtyName,
    vocabulary: state.vocabulary,
    facilities: state.referralTargets ?? [],
    onRecorded: async () => {
      state.report = await getJSON(`/api/caravans/${enc(state.data.id)}/report`);
      renderCalendar(state.data.plan);
    },
  });
}

// Where a visit refers patients: the campaign's bases, then the public hospitals (general,
// regional, CHU) of its region, by name: the registry's, as the record names them.
async function referralTargets(plan) {
  const bases = plan.campaign.bases.filter((b) => b.facility).map((b) => ({ id: b.facility, name: b.name }));
  const region = String(plan.campaign.territory.code).split(".")[0];
  const pages = await Promise.all(
    ["secondary", "tertiary"].map((level) =>
      getJSON(`/api/facilities?territory=${enc(region)}&level=${level}&limit=500`).catch(() => ({ items: [] })),
    ),
  );
  const seen = new Set(bases.map((b) => b.id));
  const hospitals = pages
    .flatMap((page) => page.items)
    .filter((f) => !seen.has(f.id) && seen.add(f.id))
    .map((f) => ({ id: f.id, name: `${f.name} (${f.category})` }))
    .sort((a, b) => a.name.localeCompare(b.name, locale()));
  return [...bases, ...hospitals];
}

async function renderCampaign() {
  const id = config.campaignId;
  if (!state.data) {
    const [data, report, vocabulary] = await Promise.all([
      getJSON(`/api/caravans/${enc(id)}`),
      getJSON(`/api/caravans/${enc(id)}/report`),
      getJSON("/api/caravans/vocabulary"),
    ]);
    state.data = data;
    state.report = report;
    state.vocabulary = vocabulary;
    if (rights.record) state.referralTargets = await referralTargets(data.plan);
    skeleton();
  }
  keepRecordGrid();
  const plan = state.data.plan;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  renderHead(plan);
  await drawMap(plan);
  renderLinks(plan);
  renderCalendar(plan);
  renderRecord(plan);
  renderDropped(plan);
  renderPriority(plan);
  document.body.dataset.ready = id;
}

// ------------------------------------------------------------------ language and start

function render() {
  return config.campaignId ? renderCampaign() : renderList();
}

const switchLanguage = languageButtons(() => render().catch(fail));

function fail(error) {
  root.innerHTML = `<p class="error" role="alert">${e(t("error.load"))} : ${e(error.message)}</p>`;
}

switchLanguage(initialLang()).catch(fail);
