// The trend of a periodic reports' indicator for the territory in the map's panel
// (GET /api/watch/trend), shown when the map's layer is one of them: one bar per period,
// the oldest on the left in both languages (time on a chart runs so in Arabic too), the
// period the map shows outlined; a period without a figure (no report, census unknown)
// is a hatched stub, never a zero. Under it, the table of the same figures with the share
// of expected reports each rests on, so that a low bar from few reports reads as such.
import { getJSON } from "./api.js";
import { escapeHtml, label, num, pct, t } from "./i18n.js";

const e = escapeHtml;
const WIDTH = 320; // px, the panel's width on a laptop; the SVG scales down on a phone
const HEIGHT = 110;
const AXIS = 14; // px under the bars for the first and last periods' codes

/** The section's HTML: `answer` the route's, `chosen` the index of the period the map
 * shows, `unit` its unit's words, `decimals` the indicator's. */
export function trendSection(answer, { chosen, unit, decimals = 2, title }) {
  const points = answer.points;
  const top = Math.max(0, ...points.map((p) => p.value ?? 0)) || 1;
  const step = WIDTH / Math.max(points.length, 1);
  const bars = points
    .map((p, i) => {
      const x = (i * step + 1).toFixed(1);
      const w = Math.max(step - 2, 1).toFixed(1);
      const words = `${p.period}: ${p.value == null ? t("unknown") : `${num(p.value, decimals)} ${unit}`}`;
      const outline = i === chosen ? ' stroke="#111" stroke-width="2"' : "";
      if (p.value == null)
        return `<rect x="${x}" y="${HEIGHT - 6}" width="${w}" height="6" fill="url(#trend-hatch)"${outline}><title>${e(words)}</title></rect>`;
      const h = Math.max((p.value / top) * (HEIGHT - 8), 1);
      return `<rect x="${x}" y="${(HEIGHT - h).toFixed(1)}" width="${w}" height="${h.toFixed(1)}" fill="#2b8cbe"${outline} data-period="${e(p.period)}"><title>${e(words)}</title></rect>`;
    })
    .join("");
  const first = points[0]?.period ?? "";
  const last = points.at(-1)?.period ?? "";
  const svg = `<svg class="trend-chart" viewBox="0 0 ${WIDTH} ${HEIGHT + AXIS}" role="img" aria-label="${e(title)}" xmlns="http://www.w3.org/2000/svg">
    <defs><pattern id="trend-hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
      <rect width="4" height="4" fill="#e0e0e0"/><line x1="0" y1="0" x2="0" y2="4" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>
    ${bars}<line x1="0" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}" stroke="#999"/>
    <text x="0" y="${HEIGHT + AXIS - 2}" font-size="10" direction="ltr">${e(first)}</text>
    <text x="${WIDTH}" y="${HEIGHT + AXIS - 2}" font-size="10" text-anchor="end" direction="ltr">${e(last)}</text></svg>`;
  const rows = points
    .map(
      (p, i) => `<tr data-period="${e(p.period)}"${i === chosen ? ' class="chosen"' : ""}><th scope="row"><bdi dir="ltr">${e(p.period)}</bdi></th>
        <td class="num" data-value="${p.value ?? ""}">${p.value == null ? `<span class="unknown">${t("unknown")}</span>` : num(p.value, decimals)}</td>
        <td class="num">${t("panel.trend.reports", { received: num(p.received), expected: num(p.expected) })} <small>(${pct(p.completeness_pct)})</small></td></tr>`,
    )
    .join("");
  return `<h3>${e(title)}</h3>
    <figure class="trend">${svg}<figcaption class="source">${t("panel.trend.caption", { unit })}</figcaption></figure>
    <details><summary>${t("panel.trend.table")}</summary><div class="table-scroll"><table class="trend-table"><thead><tr>
      <th scope="col">${t("reports.period")}</th><th scope="col">${e(unit)}</th><th scope="col">${t("panel.trend.completeness")}</th></tr></thead>
      <tbody>${rows}</tbody></table></div></details>`;
}

const PREFIX = "watch_"; // the map's layers of the periodic reports (indicators.watch_indicators)
const asked = new Map(); // query → the route's answer (a promise), asked once per page

/** The indicator's parameter as the map has it, else its default. */
function param(indicator, params, name) {
  return params[name] ?? indicator.params?.find((p) => p.name === name)?.default ?? null;
}

/** Adds the trend section to the territory panel when the map shows a reports' layer:
 * `indicator` the map's, `params` its chosen parameters, `worded` its label and unit as
 * worded for them. */
export async function fillTrend(panel, code, indicator, params, worded) {
  if (!indicator?.id.startsWith(PREFIX)) return;
  const slot = document.createElement("section");
  slot.dataset.section = "trend";
  slot.innerHTML = `<p class="pending">${t("panel.trend.pending")}</p>`;
  const anchor = panel.querySelector('[data-section="gaps"]');
  if (!anchor) return;
  anchor.before(slot);
  const back = Number(param(indicator, params, "period") ?? 0);
  const query = new URLSearchParams({ territory: code, indicator: indicator.id.slice(PREFIX.length), periods: String(Math.max(12, back + 1)) });
  const disease = param(indicator, params, "disease");
  if (disease) query.set("element", disease);
  const key = query.toString();
  if (!asked.has(key)) {
    asked.set(key, getJSON(`/api/watch/trend?${key}`));
    asked.get(key).catch(() => asked.delete(key));
  }
  try {
    const answer = await asked.get(key);
    slot.innerHTML = trendSection(answer, {
      chosen: answer.points.length - 1 - back,
      unit: label(worded.unit),
      decimals: indicator.decimals ?? 2,
      title: t("panel.trend", { indicator: label(worded.label) }),
    });
  } catch (error) {
    slot.innerHTML = `<p class="errors">${e(t("panel.trend.error"))}: ${e(error.message)}</p>`;
  }
}
