// The side panel: a territory (census, pyramid, offer, gaps, facilities, access slot) or
// one facility (its record and its change history, with the edit buttons in local mode).
import { locationText } from "./map.js";
import { pyramidSVG } from "./pyramid.js";
import { date, escapeHtml, label, lang, nameOf, num, pct, t } from "./i18n.js";

const e = escapeHtml;

function row(key, value) {
  return `<tr><th scope="row">${t(key)}</th><td>${value}</td></tr>`;
}

function figure(lines, census, area, sex, column) {
  const line = lines.find((l) => l.census === census && l.area === area && l.sex === sex);
  const value = line?.figures?.[column];
  return value === undefined ? null : value;
}

export function censusTable(detail) {
  const u = detail.territory;
  const n = detail.needs;
  const lines = detail.census;
  const growth =
    u.population_2024 !== null && u.population_2014
      ? (100 * (u.population_2024 - u.population_2014)) / u.population_2014
      : null;
  const density = u.population_2024 !== null && u.area_km2 ? u.population_2024 / u.area_km2 : null;
  return `<table class="figures" data-section="census">
    ${row("panel.population2024", `<span data-field="population_2024">${num(u.population_2024)}</span>`)}
    ${row("panel.population2014", num(u.population_2014))}
    ${row("panel.growth", pct(growth, 1))}
    ${row("panel.households", num(u.households_2024))}
    ${row("panel.area", u.area_km2 === null ? t("unknown") : `${num(u.area_km2, 1)} km²`)}
    ${row("panel.density", density === null ? t("unknown") : `${num(density, 1)} /km²`)}
    ${row("panel.rural", n ? pct(n.rural_pct, 1) : t("unknown"))}
    ${row("panel.municipal", num(figure(lines, "2024", "total", "all", "population_municipal")))}
    ${row("panel.children", n ? num(n.children_0_4) : t("unknown"))}
    ${row("panel.women", n ? num(n.women_15_49) : t("unknown"))}
    ${row("panel.elderly", n ? num(n.people_60_plus) : t("unknown"))}
    ${row("panel.births", n ? num(n.births_per_year) : t("unknown"))}
    ${row("panel.fertility", num(figure(lines, "2024", "total", "all", "fertility_total_fertility_rate"), 2))}
    ${row("panel.disability", pct(figure(lines, "2024", "total", "all", "disability_prevalence"), 1))}
  </table>`;
}

export function offerTable(detail, categoryName) {
  const entries = Object.entries(detail.public_offer);
  if (!entries.length) return `<p>${t("panel.offer.none")}</p>`;
  const n = detail.needs;
  const per = n
    ? n.inhabitants_per_essp === null
      ? t("no.facility")
      : num(n.inhabitants_per_essp)
    : t("unknown");
  return `<table class="offer">${entries
    .map(([c, k]) => `<tr><th scope="row">${e(categoryName(c))} <span class="code">${e(c)}</span></th><td>${num(k)}</td></tr>`)
    .join("")}
    <tr class="total"><th scope="row">${t("panel.inhabitantsPerEssp")}</th><td>${per}</td></tr></table>`;
}

// A bed line of a unit without a hospital names the general hospital nearest by the
// travel-time model, instead of counting every bed of the norm as missing.
function nearestHospitalRow(report, g) {
  if (!g.nearest_hospital_id) return "";
  const i = report.lines.indexOf(g);
  const path = `/api/territories/{code}/gaps?by=${e(report.by)}#lines.${i}`;
  const place = lang() === "ar" ? g.nearest_hospital_commune_name_ar : g.nearest_hospital_commune_name_fr;
  return `<tr class="nearest-hospital"><td colspan="5">${t("panel.gaps.nearest")} :
    <span data-figure="${path}.nearest_hospital_name">${e(g.nearest_hospital_name)}</span>
    (<span data-figure="${path}.nearest_hospital_commune_name_${lang() === "ar" ? "ar" : "fr"}">${e(place || "")}</span>),
    <span data-figure="${path}.nearest_hospital_minutes">${num(g.nearest_hospital_minutes, 1)}</span> min,
    <span data-figure="${path}.nearest_hospital_distance_km">${num(g.nearest_hospital_distance_km, 1)}</span> km</td></tr>`;
}

export function gapsTable(report) {
  if (!report) return "";
  const bySet = new Map();
  for (const line of report.lines) {
    if (!bySet.has(line.norm_set)) bySet.set(line.norm_set, []);
    bySet.get(line.norm_set).push(line);
  }
  const parts = report.norm_sets.map((s) => {
    const lines = bySet.get(s.id) || [];
    const name = { fr: s.name_fr, ar: s.name_ar, en: s.name_en }[lang()] || s.name_fr;
    const body = lines
      .map((g) => {
        const text = { fr: g.label_fr, ar: g.label_ar, en: g.label_en }[lang()] || g.label_fr;
        const known = g.status === "gap" || g.status === "met";
        return `<tr class="status-${e(g.status)}" data-rule="${e(g.rule)}">
          <td>${e(text)}${g.code !== report.territory.code ? ` <span class="code">(${e(nameOf(g))})</span>` : ""}</td>
          <td>${known ? num(g.required, 1) : t("unknown")}</td>
          <td>${g.supply === null ? t("unknown") : num(g.supply)}</td>
          <td>${g.missing === null ? t("unknown") : num(g.missing)}</td>
          <td>${t(`status.${g.status}`)}</td></tr>${nearestHospitalRow(report, g)}`;
      })
      .join("");
    return `<h4>${e(name)} <span class="code">v${e(s.version)}</span></h4>
      ${
        lines.length
          ? `<table class="gaps"><thead><tr><th>${t("panel.gaps.rule")}</th><th>${t("panel.gaps.need")}</th><th>${t("panel.gaps.have")}</th><th>${t("panel.gaps.missing")}</th><th>${t("panel.gaps.status")}</th></tr></thead><tbody>${body}</tbody></table>`
          : `<p class="unknown">${t("not.evaluated")}</p>`
      }
      <p class="source">${t("panel.gaps.source")} : ${e(s.source)}</p>`;
  });
  const skipped = report.skipped.length
    ? `<details><summary>${t("panel.gaps.skipped")} (${report.skipped.length})</summary><ul>${report.skipped
        .map((s) => `<li>${e(s)}</li>`)
        .join("")}</ul></details>`
    : "";
  return parts.join("") + skipped;
}

export function facilityList(page, categoryName) {
  if (!page || !page.total) return `<p>${t("panel.facilities.none")}</p>`;
  const items = page.items
    .map(
      (f) => `<li><button type="button" class="link" data-open="${e(f.id)}">${e(f.name)}</button>
        <span class="cat cat-${f.family === "osm" ? "osm" : f.family}">${e(categoryName(f.category))}</span>
        ${f.status === "closed" ? `<span class="closed">${t("status.closed")}</span>` : ""}</li>`,
    )
    .join("");
  return `<p class="count">${t("panel.facilities.shown", { shown: num(page.items.length), total: num(page.total) })}</p>
    <ul class="facilities" data-section="facility-list">${items}</ul>`;
}

export function accessSection(primary, secondary) {
  const row = (report, name) => {
    const total = report.summary[report.summary.length - 1];
    const cells = [30, 60, 120]
      .map((m) => `<td data-beyond="${m}">${num(total[`beyond_${m}_min`])} <small>(${pct(total[`share_beyond_${m}_min_pct`] / 100)})</small></td>`)
      .join("");
    return `<tr data-offer="${e(name)}"><th>${t(`panel.access.${name}`)}</th>${cells}</tr>`;
  };
  return `<h3>${t("panel.access")}</h3>
    <table class="access"><thead><tr><th></th><th>&gt; 30 min</th><th>&gt; 60 min</th><th>&gt; 120 min</th></tr></thead>
    <tbody>${row(primary, "primary")}${row(secondary, "secondary")}</tbody></table>
    <p class="source">${t("panel.access.note")}</p>`;
}

export function territoryPanel(detail, { gaps, facilities, categoryName, localMode }) {
  const u = detail.territory;
  const canAdd = localMode && (u.level === "commune" || u.level === "arrondissement");
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
    <section><h3>${t("panel.census")}</h3>${censusTable(detail)}<p class="source">${t("source.census")}</p></section>
    <section><h3>${t("panel.pyramid")}</h3>${pyramidSVG(detail.pyramid, { rtl: lang() === "ar" })}</section>
    <section><h3>${t("panel.offer")}</h3>${offerTable(detail, categoryName)}</section>
    <section data-section="gaps"><h3>${t("panel.gaps")}</h3>${gapsTable(gaps)}</section>
    <section data-section="access" class="slot" aria-describedby="access-pending">
      <h3>${t("panel.access")}</h3>
      <!-- Reserved for the access analysis (/api/access/...): travel times, population
           beyond 60 minutes, and the what-if "place a facility, see coverage change". -->
      <p id="access-pending" class="pending">${t("panel.access.pending")}</p>
    </section>
    <section data-section="facilities"><h3>${t("panel.facilities")}</h3>${facilityList(facilities, categoryName)}</section>
  </article>`;
}

function changeLines(change) {
  if (change.action === "create") return change.reason ? `<p class="reason">${e(change.reason)}</p>` : "";
  const fields = change.changes
    .filter((c) => !["updated_at"].includes(c.field))
    .map(
      (c) =>
        `<li><code>${e(c.field)}</code> : ${e(c.before ?? t("unknown"))} → <strong>${e(c.after ?? t("unknown"))}</strong></li>`,
    )
    .join("");
  return `<ul class="changes">${fields}</ul>${change.reason ? `<p class="reason">${e(change.reason)}</p>` : ""}`;
}

export function facilityPanel(facility, history, { categoryName, localMode, referrals = [] }) {
  const f = facility;
  const unknownOr = (v) => (v === null || v === undefined ? t("unknown") : num(v));
  const events = [...history]
    .reverse()
    .map(
      (c) => `<li class="change" data-action="${e(c.action)}">
        <p><strong>${t(`action.${c.action}`)}</strong> · <time datetime="${e(c.changed_at)}">${date(c.changed_at)}</time> · ${e(t("history.by", { who: c.changed_by }))}</p>
        ${changeLines(c)}</li>`,
    )
    .join("");
  const edit =
    localMode && f.status === "open"
      ? `<div class="actions"><button type="button" data-action="edit" class="primary">${t("facility.edit")}</button>
         <button type="button" data-action="close-facility">${t("facility.close")}</button></div>`
      : "";
  return `<article class="facility" data-id="${e(f.id)}">
    <button type="button" class="link back" data-action="back">← ${t("panel.back")}</button>
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
      ${row("facility.location", `${e(locationText(f))} <span class="code">${num(f.lat, 5)}, ${num(f.lon, 5)}</span>`)}
      ${row("facility.beds", `<span data-field="beds">${unknownOr(f.beds)}</span>`)}
      ${row("facility.doctors", `<span data-field="doctors">${unknownOr(f.doctors)}</span>`)}
      ${row("facility.source", e(f.source))}
      ${row("facility.updated", date(f.updated_at))}
    </table>
    <section data-section="referrals"><h3>${t("facility.referrals")}</h3>
      ${
        referrals.length
          ? `<table class="figures"><tr><th>${t("facility.referrals.campaign")}</th><th>${t("facility.referrals.service")}</th><th class="num">${t("facility.referrals.count")}</th></tr>${referrals
              .map(
                (r) => `<tr><td><a href="/caravans/${encodeURIComponent(r.campaign_id)}">${e(r.campaign)}</a><br><small>${date(r.first_visit)} – ${date(r.last_visit)}</small></td>
                  <td>${e(r.service || r.specialty)}</td><td class="num">${num(r.referrals)}</td></tr>`,
              )
              .join("")}</table>`
          : `<p>${t("facility.referrals.none")}</p>`
      }</section>
    <section data-section="history"><h3>${t("facility.history")}</h3>
      ${events ? `<ol class="history">${events}</ol>` : `<p>${t("facility.history.none")}</p>`}</section>
  </article>`;
}

export { label };
