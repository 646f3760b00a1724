// Coverage before and after, as the siting panel, the what-if and the comparison show it:
// a summary line, and per sub-territory a small pair of bars (before, after) with the
// numbers as text beside them. The bars are SVG (the page's policy allows no inline
// style); in Arabic the style sheet turns them to grow from the right.
import { escapeHtml, lang, nameOf, num, pct, t } from "./i18n.js";

const e = escapeHtml;

/** Two bars, before and after (percentages 0–100; unknown: no bar). */
export function barPair(before, after) {
  const width = (value) => (typeof value === "number" ? Math.max(0, Math.min(100, value)).toFixed(1) : "0");
  return `<svg class="bar-pair" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
    <rect class="track" width="100" height="4"/><rect class="before" width="${width(before)}" height="4"/>
    <rect class="track" y="6" width="100" height="4"/><rect class="after" y="6" width="${width(after)}" height="4"/></svg>`;
}

/** One bar (a percentage 0–100; unknown: none), as the comparison's columns show. */
export function bar(value) {
  const width = typeof value === "number" ? Math.max(0, Math.min(100, value)).toFixed(1) : "0";
  return `<svg class="bar-pair" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true">
    <rect class="track" width="100" height="4"/><rect class="after" width="${width}" height="4"/></svg>`;
}

/** From before to after: the arrow points the way the page reads. */
export const arrow = () => (lang() === "ar" ? "←" : "→");

/** "47 % → 71,2 %" in the page's language. */
export function change(before, after) {
  return `<bdi>${pct(before)}</bdi> ${arrow()} <bdi>${pct(after)}</bdi>`;
}

/** The whole territory: population covered before and after, and newly covered. */
export function summaryHTML({ population, covered_before, covered_after, covered_before_pct, covered_after_pct, newly_covered }, minutes) {
  const share = (covered) => (population ? (100 * covered) / population : null);
  const before = covered_before_pct ?? share(covered_before);
  const after = covered_after_pct ?? share(covered_after);
  return `<dl class="coverage-summary">
    <div><dt>${t("siting.population")}</dt><dd data-value="${population}">${num(population)}</dd></div>
    <div><dt>${t("siting.covered", { minutes: num(minutes) })}</dt>
      <dd class="change" data-before="${before ?? ""}" data-after="${after ?? ""}">${change(before, after)}</dd></div>
    <div><dt>${t("siting.newly_covered")}</dt><dd class="newly" data-value="${newly_covered}">${num(newly_covered)}</dd></div>
  </dl>`;
}

/** Per sub-territory: its name, the bar pair and the numbers. */
export function groupsHTML(groups) {
  if (!groups?.length) return "";
  const rows = groups
    .map(
      (g) => `<tr data-code="${e(g.code)}"><th scope="row"><bdi>${e(nameOf(g))}</bdi> <small class="code" dir="ltr">${e(g.code)}</small></th>
        <td class="bars">${barPair(g.covered_before_pct, g.covered_after_pct)}</td>
        <td class="num change" data-before="${g.covered_before_pct ?? ""}" data-after="${g.covered_after_pct ?? ""}">${change(g.covered_before_pct, g.covered_after_pct)}</td></tr>`,
    )
    .join("");
  return `<table class="coverage-groups"><caption>${t("siting.groups")}</caption>
    <thead><tr><th scope="col">${t("siting.group")}</th><th scope="col"><span class="key before"></span>${t("siting.before")}
    <span class="key after"></span>${t("siting.after")}</th><th scope="col">%</th></tr></thead><tbody>${rows}</tbody></table>`;
}
