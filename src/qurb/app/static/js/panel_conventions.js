// The partnership conventions covering the territory in the map's panel
// (GET /api/conventions/territory-figures): money committed and in kind per inhabitant,
// spread by census population (the words conventions.spread_rule), and each convention
// with its reference, title in the reader's language and a link to its page. Shown on
// every territory panel, so that beside a norm gap on the map the panel says what the
// conventions bring there; when the map shows the conventions' layer, the section comes
// first, the gaps right under it. An unknown figure is written "unknown", never 0.
import { getJSON } from "./api.js";
import { escapeHtml, lang, num, pct, t } from "./i18n.js";

const e = escapeHtml;
export const CONVENTIONS_LAYER = "conventions_per_inhabitant";

// Asked once per territory while the page lives (the panel is drawn twice a navigation).
const asked = new Map();

function figures(code) {
  if (!asked.has(code)) {
    const answer = getJSON(`/api/conventions/territory-figures?territory=${encodeURIComponent(code)}`);
    answer.catch(() => asked.delete(code)); // asked again next time
    asked.set(code, answer);
  }
  return asked.get(code);
}

function perInhabitant(view, field) {
  const value = view[field];
  const text = value === null ? t("unknown") : `${num(Number(value), 2)} ${t("indicator.conventions.unit")}`;
  // Named by data-field, not data-figure: the API writes these amounts as decimal text.
  return `<bdi data-field="${field}">${e(text)}</bdi>`;
}

function title(line) {
  return lang() === "ar" && line.title_ar ? line.title_ar : line.title_fr;
}

function conventionItem(line) {
  const share = line.share === null ? t("unknown") : pct(Number(line.share) * 100, 1);
  return `<li data-convention="${e(line.reference)}">
    <a href="/conventions?id=${e(String(line.id))}&lang=${lang()}"><span class="code" dir="ltr">${e(line.reference)}</span>
    <bdi>${e(title(line))}</bdi></a>
    <small data-field="share">${e(t("panel.conventions.share", { share }))}</small></li>`;
}

/** The section's HTML from the route's answer; `anonymous`: the reader is not signed in. */
export function conventionsSection(view, { anonymous = false } = {}) {
  const a = view.attributed;
  const notes = [
    a.unknown_commitments ? t("panel.conventions.unknown_amounts", { count: num(a.unknown_commitments) }) : "",
    view.unspread ? t("panel.conventions.unspread", { count: num(view.unspread) }) : "",
    anonymous ? t("panel.conventions.published_only") : "",
  ].filter(Boolean);
  // Without a convention the reader may see, no figure per inhabitant (not 0): the words.
  const body = view.conventions.length
    ? `<table class="figures">
      <tr><th scope="row">${t("panel.conventions.money")}</th><td>${perInhabitant(view, "committed_per_inhabitant")}</td></tr>
      <tr><th scope="row">${t("panel.conventions.in_kind")}</th><td>${perInhabitant(view, "in_kind_per_inhabitant")}</td></tr>
    </table>
    <ul class="conventions" data-section="convention-list">${view.conventions.map(conventionItem).join("")}</ul>`
    : `<p class="none">${t("panel.conventions.none")}</p>`;
  return `<h3>${t("panel.conventions")}</h3>
    ${body}
    ${notes.map((n) => `<p class="note">${e(n)}</p>`).join("")}
    <p class="source spread-rule">${e(t("conventions.spread_rule"))}</p>
    <p class="source">${e(t("panel.conventions.source"))}</p>`;
}

/** Fill the panel's conventions section for `code`; `indicator` the map's layer. */
export async function fillConventions(panel, code, indicator, { anonymous = false } = {}) {
  const gaps = panel.querySelector('[data-section="gaps"]');
  if (!gaps) return;
  const slot = document.createElement("section");
  slot.dataset.section = "conventions";
  slot.innerHTML = `<h3>${t("panel.conventions")}</h3><p class="pending">${t("panel.conventions.pending")}</p>`;
  if (indicator?.id === CONVENTIONS_LAYER) gaps.before(slot);
  else gaps.after(slot);
  try {
    const view = await figures(code);
    if (!slot.isConnected) return; // the panel was drawn again meanwhile
    slot.innerHTML = conventionsSection(view, { anonymous });
  } catch (error) {
    if (slot.isConnected) slot.innerHTML = `<h3>${t("panel.conventions")}</h3><p class="error">${e(t("panel.conventions.error"))}: ${e(error.message)}</p>`;
  }
}
