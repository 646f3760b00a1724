// Colours and the legend of the choropleth. The classes are the server's (the values
// response's `classes` and each value's `class_index`: natural breaks, one class per
// value, or fixed bands, per indicator), the one source for the page, exports and print.
// Unknown values get a hatch, never a colour of the scale.
import { escapeHtml, label, num, t } from "./i18n.js";

const SCALES = {
  neutral: ["#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d"],
  worse: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
};
export const HATCH = "url(#qurb-hatch)";
export const NO_FACILITY_COLOUR = "#54001c";

export function palette(indicator, count) {
  const scale = indicator?.higher_is_better === false ? SCALES.worse : SCALES.neutral;
  if (count <= 1) return [scale[3]];
  return Array.from({ length: count }, (_, i) =>
    scale[Math.round((i * (scale.length - 1)) / (count - 1))],
  );
}

/** Style of a territory polygon given its value (classed by the server). */
export function fillFor(entry, colours) {
  if (!entry || entry.value === null || entry.value === undefined || entry.class_index == null) {
    return entry?.note === "no_facility" ? NO_FACILITY_COLOUR : HATCH;
  }
  return colours[entry.class_index];
}

/** How many colours the classes need. */
export function classCount(classes) {
  return classes?.ranges?.length ?? 0;
}

const METHOD_WORDS = {
  natural: () => t("legend.classes.natural"),
  bands: () => t("legend.classes.bands"),
  distinct: () => t("legend.classes.distinct"),
};

/** The legend's words for class `i`: fixed bands by their edges ("≤ 30", "30 – 60",
 * "> 120"); data classes by the values they hold, one value alone ("100", never
 * "100 – 100"). */
export function classLabel(classes, i, decimals) {
  const b = classes.breaks;
  if (classes.method === "bands") {
    if (i === 0) return `≤ ${num(b[0], decimals)}`;
    if (i === b.length) return `> ${num(b[b.length - 1], decimals)}`;
    return `${num(b[i - 1], decimals)} – ${num(b[i], decimals)}`;
  }
  const r = classes.ranges[i];
  if (r.low === r.high) return num(r.low, decimals);
  return `${num(r.low, decimals)} – ${num(r.high, decimals)}`;
}

export function noteText(note) {
  if (note === "no_facility") return t("no.facility");
  if (note === "not_evaluated") return t("not.evaluated");
  if (note === "supply_unknown") return t("supply.unknown");
  if (note === "no_hospital") return t("status.no_hospital");
  if (note === "no_convention") return t("indicator.conventions.none");
  return t("unknown");
}

/** Colours the `data-colour` elements under `root` (set through the DOM: the page's
 * Content-Security-Policy refuses `style="…"` attributes in HTML). Returns `root`. */
export function paintColours(root) {
  if (root) for (const el of root.querySelectorAll("[data-colour]")) el.style.background = el.dataset.colour;
  return root;
}

// `known`: a capacity indicator's words saying how many facilities have the figure known
// over the units shown ({fr, ar, en}); unknown units are hatched, in no class.
export function legendHTML(indicator, values, classes, colours, known = null) {
  if (!indicator) return "";
  const d = indicator.decimals;
  const rows = [];
  const count = classCount(classes);
  for (let i = 0; i < count && i < colours.length; i += 1) {
    rows.push(
      `<li data-class="${i}"><span class="swatch" data-colour="${escapeHtml(colours[i])}"></span><span dir="ltr">${escapeHtml(classLabel(classes, i, d))}</span></li>`,
    );
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
    <p class="unit">${escapeHtml(label(indicator.unit))}${
      METHOD_WORDS[classes?.method] ? ` · <span class="class-method">${METHOD_WORDS[classes.method]()}</span>` : ""
    }</p>
    <ul class="classes">${rows.join("")}</ul>${
      known ? `<p class="capacity-known">${escapeHtml(label(known))}</p>` : ""
    }
    <p class="source">${escapeHtml(indicator.source)}</p>${
      indicator.measure ? `<p class="source measure">${escapeHtml(label(indicator.measure))}</p>` : ""
    }`;
}
