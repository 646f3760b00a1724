// The side panel: a territory (census, pyramid, offer, gaps, facilities, access slot) or
// one facility (its record and its change history, with the edit buttons for an account that
// may edit the registry).
import { locationText } from "./map.js";
import { pyramidSVG } from "./pyramid.js";
import { date, escapeHtml, label, lang, nameOf, num, pct, t } from "./i18n.js";

const e = escapeHtml;

// A figure derived by a formula (formulaKey: its i18n formula) is marked as an estimate:
// an asterisk by its name, the class `estimate` and the formula as the cell's title.
function row(key, value, formulaKey = null) {
  if (!formulaKey) return `<tr><th scope="row">${t(key)}</th><td>${value}</td></tr>`;
  const formula = e(t(formulaKey));
  return `<tr class="estimate"><th scope="row">${t(key)} <abbr class="estimate-mark" title="${formula}">*</abbr></th><td class="estimate" title="${formula}">${value}</td></tr>`;
}

/** The footnote under a table that holds estimates, linking to the definitions page. */
export function estimateNote() {
  return `<p class="source estimate-note">${t("estimate.note")} <a href="/definitions?lang=${lang()}" target="_blank" rel="noopener" data-action="definitions">${t("estimate.definitions")}</a></p>`;
}

// The API that serves the territory panel's census and offer figures ({code}: the unit's code).
export const TERRITORY_API = "/api/territories/{code}";

/** A figure as shown: its formatted text in an element naming the API field it comes from
 * (`<API path>#<dotted field path>`), so that every number on the page can be checked
 * against the API. */
export function fig(source, text) {
  return `<span data-figure="${e(source)}">${text}</span>`;
}

/** A census column of one line (2024, total, both sexes…): the value and its field path. */
function censusFigure(lines, census, area, sex, column) {
  const i = lines.findIndex((l) => l.census === census && l.area === area && l.sex === sex);
  const value = i < 0 ? undefined : lines[i].figures?.[column];
  // A line or column the census lacks has no API field: the page says "unknown" plainly.
  return { value: value === undefined ? null : value, field: value === undefined ? null : `census.${i}.figures.${column}` };
}

function censusCell(lines, column, format) {
  const { value, field } = censusFigure(lines, "2024", "total", "all", column);
  return field === null ? t("unknown") : fig(`${TERRITORY_API}#${field}`, format(value));
}

export function censusTable(detail) {
  const u = detail.territory;
  const n = detail.needs;
  const lines = detail.census;
  const unit = (field, text) => fig(`${TERRITORY_API}#territory.${field}`, text);
  // Without a needs profile the API has no such field: the page says "unknown" plainly.
  const need = (field, format) => (n ? fig(`${TERRITORY_API}#needs.${field}`, format(n[field])) : t("unknown"));
  return `<table class="figures" data-section="census">
    ${row("panel.population2024", `<span data-field="population_2024" data-figure="${TERRITORY_API}#territory.population_2024">${num(u.population_2024)}</span>`)}
    ${row("panel.population2014", unit("population_2014", num(u.population_2014)))}
    ${row("panel.growth", unit("growth_2014_2024_pct", pct(u.growth_2014_2024_pct, 1)))}
    ${row("panel.households", unit("households_2024", num(u.households_2024)))}
    ${row("panel.area", u.area_km2 === null ? unit("area_km2", t("unknown")) : `<bdi class="qty">${t("unit.km2", { n: unit("area_km2", num(u.area_km2, 1)) })}</bdi>`, "estimate.area")}
    ${row("panel.density", u.density_per_km2 === null ? unit("density_per_km2", t("unknown")) : `<bdi class="qty">${t("unit.perKm2", { n: unit("density_per_km2", num(u.density_per_km2, 1)) })}</bdi>`, "estimate.density")}
    ${row("panel.rural", need("rural_pct", (v) => pct(v, 1)))}
    ${row("panel.municipal", censusCell(lines, "population_municipal", (v) => num(v)))}
    ${row("panel.children", need("children_0_4", (v) => num(v)), "estimate.children")}
    ${row("panel.women", need("women_15_49", (v) => num(v)), "estimate.women")}
    ${row("panel.elderly", need("people_60_plus", (v) => num(v)), "estimate.elderly")}
    ${row("panel.births", need("births_per_year", (v) => num(v)), "estimate.births")}
    ${row("panel.fertility", censusCell(lines, "fertility_total_fertility_rate", (v) => num(v, 2)))}
    ${row("panel.disability", censusCell(lines, "disability_prevalence", (v) => pct(v, 1)))}
  </table>`;
}

export function offerTable(detail, categoryName) {
  const entries = Object.entries(detail.public_offer);
  if (!entries.length) return `<p>${t("panel.offer.none")}</p>`;
  const n = detail.needs;
  const per = n
    ? fig(
        `${TERRITORY_API}#needs.inhabitants_per_essp`,
        n.inhabitants_per_essp === null ? t("no.facility") : num(n.inhabitants_per_essp),
      )
    : t("unknown");
  return `<table class="offer">${entries
    .map(([c, k]) => `<tr><th scope="row">${e(categoryName(c))} <span class="code">${e(c)}</span></th><td>${fig(`${TERRITORY_API}#public_offer.${c}`, num(k))}</td></tr>`)
    .join("")}
    <tr class="total estimate"><th scope="row">${t("panel.inhabitantsPerEssp")} <abbr class="estimate-mark" title="${e(t("estimate.perEssp"))}">*</abbr></th><td class="estimate" title="${e(t("estimate.perEssp"))}">${per}</td></tr></table>`;
}

// A bed line of a unit without a hospital names the general hospital nearest by the
// travel-time model, instead of counting every bed of the norm as missing.
function nearestHospitalRow(report, g) {
  if (!g.nearest_hospital_id) return "";
  const i = g.index; // its place in report.lines
  const path = `/api/territories/{code}/gaps?by=${e(report.by)}#lines.${i}`;
  const place = lang() === "ar" ? g.nearest_hospital_commune_name_ar : g.nearest_hospital_commune_name_fr;
  // The hospital's name is French inside Arabic text, a number with its unit is a run of
  // mixed direction: each piece is isolated in <bdi> so that none reorders its neighbours.
  const minutes = `<span data-figure="${path}.nearest_hospital_minutes">${num(g.nearest_hospital_minutes, 1)}</span>`;
  const km = `<span data-figure="${path}.nearest_hospital_distance_km">${num(g.nearest_hospital_distance_km, 1)}</span>`;
  const comma = t("punct.comma");
  return `<tr class="nearest-hospital"><td colspan="5">${t("panel.gaps.nearest")}${t("punct.colon")}
    <bdi><span data-figure="${path}.nearest_hospital_name">${e(g.nearest_hospital_name)}</span></bdi>
    (<bdi><span data-figure="${path}.nearest_hospital_commune_name_${lang() === "ar" ? "ar" : "fr"}">${e(place || "")}</span></bdi>)${comma}
    <bdi data-unit="minutes">${t("unit.minutes", { n: minutes })}</bdi>${comma}
    <bdi data-unit="km">${t("unit.km", { n: km })}</bdi></td></tr>`;
}

// A bed or doctor line: how much of the capacity is known, in a row under the line (the
// words come with it, in each language: "lits connus pour 3 des 5 établissements (60 %)");
// a row of its own across the table, so that a phone's table stays within the screen.
function capacityKnown(source, g) {
  if (!g.facilities_counted) return "";
  const words = g[`capacity_known_${lang()}`] || g.capacity_known_fr;
  // Words, not a figure: named by data-words (the figures' check reads numbers alone).
  const field = `capacity_known_${lang() === "ar" ? "ar" : lang() === "en" ? "en" : "fr"}`;
  return `<tr class="capacity-known"><td colspan="5"><small class="capacity-known" data-words="${e(`${source}#lines.${g.index}.${field}`)}">${e(words || "")}</small></td></tr>`;
}

export function gapsTable(report) {
  if (!report) return "";
  // The query the report came from (the map page and the sheet ask by = the unit's level).
  const source = `/api/territories/{code}/gaps?by=${report.by}`;
  const bySet = new Map();
  report.lines.forEach((line, i) => {
    if (!bySet.has(line.norm_set)) bySet.set(line.norm_set, []);
    bySet.get(line.norm_set).push({ ...line, index: i });
  });
  const parts = report.norm_sets.map((s) => {
    const lines = bySet.get(s.id) || [];
    const name = { fr: s.name_fr, ar: s.name_ar, en: s.name_en }[lang()] || s.name_fr;
    // A reference ratio is a national average: its gap is a distance from it, never care
    // missing; a norm's gap is a shortfall.
    const ratio = s.kind === "reference_ratio";
    const head = (key) => t(ratio ? `panel.gaps.ratio.${key}` : `panel.gaps.${key}`);
    const status = (g) => t(ratio && (g.status === "gap" || g.status === "met") ? `status.ratio.${g.status}` : `status.${g.status}`);
    const people = (g) =>
      g.status === "gap" && g.unserved_population !== null
        ? `<br><small class="gap-people">${t(ratio ? "panel.gaps.ratioPeople" : "panel.gaps.missingPeople", { people: fig(`${source}#lines.${g.index}.unserved_population`, num(g.unserved_population)) })}</small>`
        : "";
    const body = lines
      .map((g) => {
        const text = { fr: g.label_fr, ar: g.label_ar, en: g.label_en }[lang()] || g.label_fr;
        // The requirement is known whenever the population is, even where the supply is not.
        const cell = (field, decimals) =>
          `<td data-figure="${e(`${source}#lines.${g.index}.${field}`)}">${num(g[field], decimals)}</td>`;
        return `<tr class="status-${e(g.status)}" data-rule="${e(g.rule)}" data-kind="${e(g.kind)}">
          <td>${e(text)}${g.code !== report.territory.code ? ` <span class="code">(${e(nameOf(g))})</span>` : ""}${people(g)}</td>
          ${cell("required", 1)}${cell("supply", 0)}${cell("missing", 0)}
          <td>${status(g)}</td></tr>${capacityKnown(source, g)}${nearestHospitalRow(report, g)}`;
      })
      .join("");
    return `<h4 data-kind="${e(s.kind)}">${e(name)} <span class="code">v${e(s.version)}</span></h4>
      <p class="kind-note">${t(ratio ? "panel.gaps.ratio.note" : "panel.gaps.norm.note")}</p>
      ${
        lines.length
          ? `<table class="gaps" data-kind="${e(s.kind)}"><thead><tr><th>${head("rule")}</th><th>${head("need")}</th><th>${t("panel.gaps.have")}</th><th>${head("missing")}</th><th>${t("panel.gaps.status")}</th></tr></thead><tbody>${body}</tbody></table>`
          : `<p class="unknown">${t("not.evaluated")}</p>`
      }
      <p class="source">${t("panel.gaps.source")}${t("punct.colon")} <bdi>${e(s.source)}</bdi></p>`;
  });
  const skipped = report.skipped.length
    ? `<details><summary>${t("panel.gaps.skipped")} (${report.skipped.length})</summary><ul>${report.skipped
        .map((s) => `<li>${e(s)}</li>`)
        .join("")}</ul></details>`
    : "";
  return parts.join("") + skipped;
}

/** The list of a territory's facilities; `source` is the API query it came from ({code}: the
 * territory's code), named by its counts. */
export function facilityList(page, categoryName, source) {
  if (!page || !page.total) return `<p>${t("panel.facilities.none")}</p>`;
  const items = page.items
    .map(
      (f) => `<li><button type="button" class="link" data-open="${e(f.id)}">${e(f.name)}</button>
        <span class="cat cat-${f.family === "osm" ? "osm" : f.family}">${e(categoryName(f.category))}</span>
        ${f.status === "closed" ? `<span class="closed">${t("status.closed")}</span>` : ""}</li>`,
    )
    .join("");
  const count = (field) => fig(`${source}#${field}`, num(page[field]));
  return `<p class="count">${t("panel.facilities.shown", { shown: count("returned"), total: count("total") })}</p>
    <ul class="facilities" data-section="facility-list">${items}</ul>`;
}

/** Population beyond 30/60/120 min of the nearest ESSP and hospital; `query(level)` is the
 * API path each report came from ({code}: the territory's code). */
export function accessSection(primary, secondary, query, distance = null) {
  const row = (report, name) => {
    const total = report.summary[report.summary.length - 1];
    const field = (key) => `${query(name)}#summary.-1.${key}`;
    // share_beyond_*_min_pct is already a percentage (0–100): pct() takes it as it is.
    const cells = [30, 60, 120]
      .map(
        (m) => `<td data-beyond="${m}">${fig(field(`beyond_${m}_min`), num(total[`beyond_${m}_min`]))} <small>(${fig(field(`share_beyond_${m}_min_pct`), pct(total[`share_beyond_${m}_min_pct`]))})</small></td>`,
      )
      .join("");
    return `<tr data-offer="${e(name)}"><th>${t(`panel.access.${name}`)}</th>${cells}</tr>`;
  };
  return `<h3>${t("panel.access")}</h3>
    <table class="access"><thead><tr><td></td>${[30, 60, 120].map((m) => `<th><bdi>${t("unit.beyondMinutes", { n: m })}</bdi></th>`).join("")}</tr></thead>
    <tbody>${row(primary, "primary")}${row(secondary, "secondary")}</tbody></table>
    ${distance ? distanceTable(distance) : ""}
    ${measureNote(primary)}`;
}

// What the access figures measure, in the model's own words (the API's `measure`).
function measureNote(report) {
  const m = report.measure;
  return m ? `<p class="source measure" data-measure="${e(m.key)}">${e(m[lang()] || m.en)}</p>` : "";
}

// The Ministry's distance indicator, population per band of km to the
// nearest ESSP (GET /api/access/{code}/distance); the same model's measure follows it.
export function distanceTable(report) {
  const total = report.summary[report.summary.length - 1];
  const base = "/api/access/{code}/distance#summary.-1";
  const bands = ["within_5_km", "5_to_10_km", "beyond_10_km"];
  const cells = bands
    .map(
      (b) => `<td data-band="${b}"><span data-figure="${base}.population_${b}">${num(total[`population_${b}`])}</span>
        <small>(<span data-figure="${base}.share_${b}_pct">${pct(total[`share_${b}_pct`])}</span>)</small></td>`,
    )
    .join("");
  const note = report.note ? report.note[lang()] || report.note.en : "";
  return `<h4>${t("panel.distance")}</h4>
    <table class="distance" data-section="distance"><thead><tr><td></td>${bands
      .map((b) => `<th>${t(`panel.distance.${b}`)}</th>`)
      .join("")}</tr></thead>
    <tbody><tr><th scope="row">${t("panel.distance.population")}</th>${cells}</tr></tbody></table>
    <p class="source">${e(note)}</p>`;
}

export function territoryPanel(detail, { gaps, facilities, facilitiesSource, categoryName, canEdit }) {
  const u = detail.territory;
  const canAdd = canEdit && (u.level === "commune" || u.level === "arrondissement");
  return `<article class="territory" data-code="${e(u.code)}">
    <header>
      <p class="level">${t(`level.${u.level}`)} · <span class="code">${e(u.code)}</span></p>
      <h2 data-field="name">${e(nameOf(u))}</h2>
      <p class="other-name" lang="${lang() === "ar" ? "fr" : "ar"}" dir="${lang() === "ar" ? "ltr" : "rtl"}">${e(lang() === "ar" ? u.name_fr : u.name_ar)}</p>
      <div class="actions">
        <a class="button" href="/sheet/${e(u.code)}?lang=${lang()}" target="_blank" rel="noopener" data-action="sheet">${t("panel.sheet")}</a>
        <button type="button" data-action="print">${t("panel.print")}</button>
        ${canAdd ? `<button type="button" data-action="add" class="primary">${t("panel.add")}</button>` : ""}
      </div>
    </header>
    <section><h3>${t("panel.census")}</h3>${censusTable(detail)}<p class="source">${t("source.census")}</p>${estimateNote()}</section>
    <section><h3>${t("panel.pyramid")}</h3>${pyramidSVG(detail.pyramid, { rtl: lang() === "ar" })}</section>
    <section><h3>${t("panel.offer")}</h3>${offerTable(detail, categoryName)}</section>
    <section data-section="gaps"><h3>${t("panel.gaps.both")}</h3>${gapsTable(gaps)}</section>
    <section data-section="access" class="slot" aria-describedby="access-pending">
      <h3>${t("panel.access")}</h3>
      <!-- Reserved for the access analysis (/api/access/...): travel times, population
           beyond 60 minutes, and the what-if "place a facility, see coverage change". -->
      <p id="access-pending" class="pending">${t("panel.access.pending")}</p>
    </section>
    <section data-section="facilities"><h3>${t("panel.facilities")}</h3>${facilityList(facilities, categoryName, facilitiesSource)}</section>
  </article>`;
}

// Arrows in the reading direction: Arabic reads from the right, so "then" points left and
// "back" points right (arrows are not mirrored by the bidi algorithm).
const forward = () => (lang() === "ar" ? "←" : "→");
const backward = () => (lang() === "ar" ? "→" : "←");

function changeLines(change) {
  if (change.action === "create") return change.reason ? `<p class="reason" dir="auto">${e(change.reason)}</p>` : "";
  const fields = change.changes
    .filter((c) => !["updated_at"].includes(c.field))
    .map(
      (c) =>
        `<li><code>${e(c.field)}</code>${t("punct.colon")} <bdi>${e(c.before ?? t("unknown"))}</bdi> ${forward()} <strong><bdi>${e(c.after ?? t("unknown"))}</bdi></strong></li>`,
    )
    .join("");
  return `<ul class="changes">${fields}</ul>${change.reason ? `<p class="reason" dir="auto">${e(change.reason)}</p>` : ""}`;
}

// `history` and `referrals` are null for a reader who may not see them: no section then.
// `extra`: the capacity, equipment and workbook parts (facility_capacity.js), after the record.
export function facilityPanel(facility, history, { categoryName, canEdit, referrals = null, extra = "" }) {
  const f = facility;
  const unknownOr = (v) => (v === null || v === undefined ? t("unknown") : num(v));
  const events = [...(history ?? [])]
    .reverse()
    .map(
      (c) => `<li class="change" data-action="${e(c.action)}">
        <p><strong>${t(`action.${c.action}`)}</strong> · <time datetime="${e(c.changed_at)}">${date(c.changed_at)}</time> · ${e(t("history.by", { who: c.changed_by }))}</p>
        ${changeLines(c)}</li>`,
    )
    .join("");
  // A closed facility is read-only until it is reopened (with a reason).
  const actions = {
    open: `<div class="actions"><button type="button" data-action="edit" class="primary">${t("facility.edit")}</button>
         <button type="button" data-action="close-facility">${t("facility.close")}</button></div>`,
    closed: `<div class="actions"><button type="button" data-action="reopen-facility">${t("facility.reopen")}</button></div>`,
  };
  // An OpenStreetMap point is OpenStreetMap's: never offered for editing here (the server
  // refuses it too); it is corrected on openstreetmap.org and comes with the next data build.
  const fromOsm = f.family === "osm" && f.location_source === "osm";
  const osm = fromOsm ? `<p class="readonly osm-point">${e(t("facility.osm_point"))}</p>` : "";
  const edit = canEdit && !fromOsm ? (actions[f.status] ?? "") : osm;
  return `<article class="facility" data-id="${e(f.id)}">
    <button type="button" class="link back" data-action="back">${backward()} ${t("panel.back")}</button>
    <header><p class="level">${e(categoryName(f.category))} · <span class="code">${e(f.id)}</span></p>
      <h2 data-field="name">${e(f.name)}</h2>${f.name_ar ? `<p class="other-name" lang="ar" dir="rtl">${e(f.name_ar)}</p>` : ""}</header>
    ${edit}
    <table class="figures">
      ${row("facility.category", `<span data-field="category">${e(categoryName(f.category))} (${e(f.category)})</span>`)}
      ${row("facility.level", t(`levelcare.${f.level}`))}
      ${f.hospital_tier ? row("facility.tier", `<span data-field="hospital_tier">${t(`tier.${f.hospital_tier}`)}</span>`) : ""}
      ${row("facility.sector", t(`sector.${f.sector}`))}
      ${row("facility.status", t(`status.${f.status}`))}
      ${row("facility.commune", `${e(nameOf({ name_fr: f.commune_name_fr, name_ar: f.commune_name_ar }))} <span class="code">${e(f.arrondissement_code || f.commune_code)}</span>`)}
      ${row("facility.location", `${e(locationText(f))} <span class="code" dir="ltr">${num(f.lat, 5)}, ${num(f.lon, 5)}</span>`)}
      ${row("facility.beds", `<span data-field="beds">${unknownOr(f.beds)}</span>`)}
      ${row("facility.doctors", `<span data-field="doctors">${unknownOr(f.doctors)}</span>`)}
      ${row("facility.source", `<bdi>${e(f.source)}</bdi>`)}
      ${row("facility.updated", date(f.updated_at))}
    </table>
    ${extra}
    ${referrals === null ? "" : `<section data-section="referrals"><h3>${t("facility.referrals")}</h3>
      ${
        referrals.length
          ? `<table class="figures"><tr><th>${t("facility.referrals.campaign")}</th><th>${t("facility.referrals.service")}</th><th class="num">${t("facility.referrals.count")}</th></tr>${referrals
              .map(
                (r) => `<tr><td><a href="/caravans/${encodeURIComponent(r.campaign_id)}">${e(r.campaign)}</a><br><small>${date(r.first_visit)} – ${date(r.last_visit)}</small></td>
                  <td>${e(r.service || r.specialty)}</td><td class="num">${num(r.referrals)}</td></tr>`,
              )
              .join("")}</table>`
          : `<p>${t("facility.referrals.none")}</p>`
      }</section>`}
    ${history === null ? "" : `<section data-section="history"><h3>${t("facility.history")}</h3>
      ${events ? `<ol class="history">${events}</ol>` : `<p>${t("facility.history.none")}</p>`}</section>`}
  </article>`;
}

export { label };
