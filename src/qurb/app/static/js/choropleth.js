// Quantile classes, colours and the legend of the choropleth. Unknown values get a hatch,
// never a colour of the scale.
import { escapeHtml, label, num, t } from "./i18n.js";

const SCALES = {
  neutral: ["#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d"],
  worse: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
};
export const HATCH = "url(#qurb-hatch)";
export const NO_FACILITY_COLOUR = "#54001c";

export function quantileBreaks(values, classes = 5) {
  const known = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (!known.length) return [];
  const distinct = [...new Set(known)];
  const k = Math.min(classes, distinct.length);
  const breaks = [];
  for (let i = 1; i < k; i += 1) breaks.push(known[Math.floor((i * known.length) / k)]);
  return [...new Set(breaks)].filter((b) => b > known[0] || k === 1);
}

export function classOf(value, breaks) {
  let i = 0;
  while (i < breaks.length && value >= breaks[i]) i += 1;
  return i;
}

export function palette(indicator, count) {
  const scale = indicator?.higher_is_better === false ? SCALES.worse : SCALES.neutral;
  if (count <= 1) return [scale[3]];
  return Array.from({ length: count }, (_, i) =>
    scale[Math.round((i * (scale.length - 1)) / (count - 1))],
  );
}

/** Style of a territory polygon given its value. */
export function fillFor(entry, breaks, colours) {
  if (!entry || entry.value === null || entry.value === undefined) {
    return entry?.note === "no_facility" ? NO_FACILITY_COLOUR : HATCH;
  }
  return colours[classOf(entry.value, breaks)];
}

export function noteText(note) {
  if (note === "no_facility") return t("no.facility");
  if (note === "not_evaluated") return t("not.evaluated");
  if (note === "supply_unknown") return t("supply.unknown");
  if (note === "no_hospital") return t("status.no_hospital");
  return t("unknown");
}

/** Colours the `data-colour` elements under `root` (set through the DOM: the page's
 * Content-Security-Policy refuses `style="…"` attributes in HTML). Returns `root`. */
export function paintColours(root) {
  if (root) for (const el of root.querySelectorAll("[data-colour]")) el.style.background = el.dataset.colour;
  return root;
}

export function legendHTML(indicator, values, breaks, colours) {
  if (!indicator) return "";
  const known = values.filter((v) => v.value !== null).map((v) => v.value);
  const d = indicator.decimals;
  const rows = [];
  if (known.length) {
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    const edges = [lo, ...breaks, hi];
    for (let i = 0; i < colours.length && i < edges.length - 1; i += 1) {
      rows.push(
        `<li><span class="swatch" data-colour="${escapeHtml(colours[i])}"></span>${num(edges[i], d)} – ${num(edges[i + 1], d)}</li>`,
      );
    }
  }
  const notes = new Set(values.filter((v) => v.value === null).map((v) => v.note || "unknown"));
  if (notes.has("no_facility"))
    rows.push(
      `<li><span class="swatch" data-colour="${NO_FACILITY_COLOUR}"></span>${t("no.facility")}</li>`,
    );
  for (const note of notes) {
    if (note === "no_facility") continue;
    rows.push(`<li data-note="${escapeHtml(note)}"><span class="swatch hatch"></span>${noteText(note)}</li>`);
  }
  return `<h3>${escapeHtml(label(indicator.label))}</h3>
    <p class="unit">${escapeHtml(label(indicator.unit))} · ${t("legend.quantiles")}</p>
    <ul class="classes">${rows.join("")}</ul>
    <p class="source">${escapeHtml(indicator.source)}</p>${
      indicator.measure ? `<p class="source measure">${escapeHtml(label(indicator.measure))}</p>` : ""
    }`;
}
