// A signal's epidemic curve (GET /api/watch/signals/{id}/curve) as SVG: a bar per week
// of observed cases, the upper bound as a solid line, the expected count as a dashed one
// (both broken where the method gives NA), alarm weeks' bars red with a mark above; a
// week unknown for lack of reports is a hatched stub at the foot, never a zero. Time
// runs left to right in both languages (as on any chart, Arabic included). Under it, the
// legend, how many weeks are unknown, and the method with its source.
import { escapeHtml, label, num, t } from "./i18n.js";

const e = escapeHtml;
const WIDTH = 720; // px of the viewBox; the SVG scales down on a phone
const HEIGHT = 240;
const PAD = { top: 14, right: 8, bottom: 22, left: 34 }; // px: the axes' room
const COLOURS = { bar: "#7fa7c9", alarm: "#c62828", upper: "#b71c1c", expected: "#37474f" };

/** A round step for `ticks` ticks up to `top`. */
function step(top, ticks = 4) {
  const raw = top / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw) ?? raw;
}

/** The path of a line over the weeks, broken where the value is null. */
function linePath(weeks, value, x, y) {
  let d = "";
  let open = false;
  weeks.forEach((w, i) => {
    const v = value(w);
    if (v == null) {
      open = false;
      return;
    }
    d += `${open ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    open = true;
  });
  return d;
}

function weekWords(w) {
  const parts = [`${w.week}`, `${t("signals.col.observed")}: ${w.observed == null ? t("signals.curve.unknown_week") : num(w.observed)}`];
  if (w.upperbound != null) parts.push(`${t("signals.col.upperbound")}: ${num(w.upperbound, 2)}`);
  if (w.expected != null) parts.push(`${t("signals.col.expected")}: ${num(w.expected, 2)}`);
  if (w.alarm) parts.push(t("signals.curve.alarm"));
  return parts.join(" · ");
}

/** The chart's SVG. */
export function curveSVG(curve, title) {
  const weeks = curve.weeks;
  const values = weeks.flatMap((w) => [w.observed, w.upperbound, w.expected]).filter((v) => v != null);
  const s = step(Math.max(1, ...values));
  const top = Math.ceil(Math.max(1, ...values) / s) * s;
  const inner = { w: WIDTH - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom };
  const band = inner.w / Math.max(weeks.length, 1);
  const x = (i) => PAD.left + (i + 0.5) * band;
  const y = (v) => PAD.top + inner.h - (v / top) * inner.h;
  const foot = PAD.top + inner.h;
  const grid = [];
  for (let v = 0; v <= top + 1e-9; v += s)
    grid.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>
      <text x="${PAD.left - 4}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end" direction="ltr">${e(num(v))}</text>`);
  const bw = Math.max(band - 2, 1).toFixed(1);
  const bars = weeks
    .map((w, i) => {
      const left = (PAD.left + i * band + 1).toFixed(1);
      const words = e(weekWords(w));
      if (w.observed == null)
        return `<rect class="curve-unknown" x="${left}" y="${foot - 6}" width="${bw}" height="6" fill="url(#curve-hatch)" data-week="${e(w.week)}"><title>${words}</title></rect>`;
      const h = Math.max(((w.observed ?? 0) / top) * inner.h, w.observed > 0 ? 1 : 0);
      const colour = w.alarm ? COLOURS.alarm : COLOURS.bar;
      return `<rect class="curve-bar${w.alarm ? " curve-alarm" : ""}" x="${left}" y="${(foot - h).toFixed(1)}" width="${bw}" height="${h.toFixed(1)}" fill="${colour}" data-week="${e(w.week)}"><title>${words}</title></rect>`;
    })
    .join("");
  const marks = weeks
    .map((w, i) => (w.alarm ? `<path class="curve-alarm-mark" d="M${x(i).toFixed(1)},${PAD.top - 2}l-4,-7h8z" fill="${COLOURS.alarm}" transform="translate(0 8)"/>` : ""))
    .join("");
  const upper = linePath(weeks, (w) => w.upperbound, x, y);
  const expected = linePath(weeks, (w) => w.expected, x, y);
  const every = Math.max(1, Math.ceil(weeks.length / 8)); // at most 9 labels: a code is ~45 px
  const ticks = weeks
    .map((w, i) => (i % every === 0 || (i === weeks.length - 1 && i % every >= every / 2) ? `<text x="${x(i).toFixed(1)}" y="${HEIGHT - 6}" font-size="10" text-anchor="middle" direction="ltr">${e(w.week)}</text>` : ""))
    .join("");
  return `<svg class="curve-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${e(title)}" xmlns="http://www.w3.org/2000/svg" direction="ltr">
    <defs><pattern id="curve-hatch" patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
      <rect width="4" height="4" fill="#e0e0e0"/><line x1="0" y1="0" x2="0" y2="4" stroke="#757575" stroke-width="2"/></pattern></defs>
    ${grid.join("")}${bars}${marks}
    ${upper ? `<path class="curve-upperbound" d="${upper}" fill="none" stroke="${COLOURS.upper}" stroke-width="2"/>` : ""}
    ${expected ? `<path class="curve-expected" d="${expected}" fill="none" stroke="${COLOURS.expected}" stroke-width="1.5" stroke-dasharray="5 3"/>` : ""}
    <line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${foot}" y2="${foot}" stroke="#999"/>${ticks}</svg>`;
}

function legend() {
  const item = (svg, key) => `<li><svg class="legend-key" viewBox="0 0 22 12" aria-hidden="true">${svg}</svg> ${t(key)}</li>`;
  return `<ul class="curve-legend">
    ${item(`<rect x="5" y="1" width="12" height="10" fill="${COLOURS.bar}"/>`, "signals.curve.observed")}
    ${item(`<rect x="5" y="1" width="12" height="10" fill="${COLOURS.alarm}"/>`, "signals.curve.alarm")}
    ${item(`<line x1="1" x2="21" y1="6" y2="6" stroke="${COLOURS.upper}" stroke-width="2"/>`, "signals.curve.upperbound")}
    ${item(`<line x1="1" x2="21" y1="6" y2="6" stroke="${COLOURS.expected}" stroke-width="1.5" stroke-dasharray="5 3"/>`, "signals.curve.expected")}
    ${item(`<rect x="5" y="6" width="12" height="5" fill="url(#curve-hatch)" stroke="#757575"/>`, "signals.curve.unknown")}</ul>`;
}

/** The method's words and source, by the method's code (unknown codes as they are). */
function methodWords(method) {
  const key = { noufaily: "signals.method.noufaily", "ears-c2": "signals.method.ears_c2", "single-case": "signals.method.single_case" }[method];
  return key ? t(key) : e(method);
}

/** The section's HTML: heading, chart, legend, unknown weeks, method and source. */
export function curveSection(curve, unitName) {
  const element = label({ fr: curve.element_fr, ar: curve.element_ar, en: curve.element_en });
  const title = t("signals.curve.title", { element, unit: unitName, week: curve.weeks.at(-1)?.week ?? "" });
  const unknown = curve.weeks.filter((w) => w.observed == null).length;
  const gaps = unknown
    ? t("signals.curve.unknown_count", { count: unknown, threshold: num(curve.completeness_threshold * 100) })
    : t("signals.curve.none_unknown");
  return `<h3 id="signal-curve-title"><bdi>${e(title)}</bdi></h3>
    <div class="table-scroll curve-scroll" tabindex="0" role="region" aria-labelledby="signal-curve-title">${curveSVG(curve, title)}</div>${legend()}
    <p class="curve-gaps">${e(gaps)}</p>
    <p class="source curve-method">${t("signals.curve.method")} ${methodWords(curve.method)}</p>`;
}
