// Two or three saved scenarios side by side (/scenarios/compare?ids=a,b[,c]), as
// GET /api/scenarios/compare answers them (the numbers of `qurb scenarios compare`): a
// column per scenario (sites, coverage before and after, people newly covered, cost), the
// coverage after per sub-territory, and a still map of the communes whose coverage
// differs, coloured by which scenario covers them (svgmap.js).
import { enc, getJSON } from "./api.js";
import { bar, change } from "./coverage.js";
import { escapeHtml, initialLang, lang, nameOf, num, pct, t } from "./i18n.js";
import { languageButtons } from "./shell.js";
import { settle } from "./problems.js";
import { mapSVG } from "./svgmap.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const ID = /^[\w-]{1,64}$/;
const root = document.getElementById("compare");
const errorBox = document.querySelector(".compare-error");
const loading = document.querySelector(".compare-loading");
// The difference map's classes: covered by none, by all, by scenario 1, 2 or 3 alone, by some.
const COLOURS = ["#eceff1", "#b0bec5", "#1565c0", "#e65100", "#2e7d32", "#8e24aa"];

let answer = null;
let layer = null;

/** The ids the address asks for (two or three, well-formed), or null. */
function askedIds() {
  const ids = (new URLSearchParams(location.search).get("ids") || "").split(",").filter(Boolean);
  return ids.length >= 2 && ids.length <= 3 && ids.every((id) => ID.test(id)) ? ids : null;
}

/** Which scenarios cover a commune: a class of the difference map. */
function coverClass(covered) {
  const count = covered.filter(Boolean).length;
  if (count === 0) return 0;
  if (count === covered.length) return 1;
  if (count === 1) return 2 + covered.indexOf(true);
  return 5;
}

function column(line, i) {
  const cost = line.cost_mad == null ? t("unknown") : num(line.cost_mad);
  return `<section class="compare-column" data-id="${e(line.id)}">
    <h3><span class="swatch scenario-${i}"></span><bdi>${e(line.name)}</bdi></h3>
    <dl>
      <dt>${t("compare.offer")}</dt><dd><bdi>${e(line.offer ?? "")}</bdi> · <bdi>${t("siting.within_short", { minutes: num(line.within_minutes) })}</bdi></dd>
      <dt>${t("compare.sites")}</dt><dd data-key="sites" data-value="${line.sites}">${num(line.sites)} : <bdi>${e(line.chosen ?? "")}</bdi></dd>
      <dt>${t("compare.coverage")}</dt><dd data-key="coverage" data-before="${line.covered_before_pct ?? ""}" data-after="${line.covered_after_pct ?? ""}">${change(line.covered_before_pct, line.covered_after_pct)}</dd>
      <dt>${t("siting.newly_covered")}</dt><dd data-key="newly_covered" data-value="${line.newly_covered}">${num(line.newly_covered)}</dd>
      <dt>${t("siting.cost")}</dt><dd data-key="cost_mad" data-value="${line.cost_mad ?? ""}">${cost}</dd>
    </dl>
    <a href="/?t=${enc(line.territory)}&scenario=${enc(line.id)}&lang=${lang()}">${t("scenarios.open")}</a></section>`;
}

function groupsTable(lines, groups) {
  if (!groups?.length) return "";
  const head = lines.map((l, i) => `<th scope="col"><span class="swatch scenario-${i}"></span><bdi>${e(l.name)}</bdi></th>`).join("");
  const rows = groups
    .map((g) => {
      const cells = g.covered_after_pct
        .map((v, i) => `<td class="num" data-scenario="${i}" data-value="${v ?? ""}">${bar(v)}${pct(v)}</td>`)
        .join("");
      return `<tr data-code="${e(g.code)}"><th scope="row"><bdi>${e(nameOf(g))}</bdi> <small class="code" dir="ltr">${e(g.code)}</small></th><td class="num">${num(g.population)}</td>${cells}</tr>`;
    })
    .join("");
  return `<div class="table-scroll"><table class="compare-groups"><caption>${t("compare.groups")}</caption>
    <thead><tr><th scope="col">${t("siting.group")}</th><th scope="col">${t("siting.population")}</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function differenceMap(lines, communes, differ) {
  const byCode = new Map(communes.map((c) => [c.code, c]));
  const values = new Map();
  for (const f of layer?.features ?? []) {
    const c = byCode.get(f.properties.code);
    values.set(f.properties.code, { value: 1, class_index: c ? coverClass(c.covered) : 0 });
  }
  const svg = layer ? mapSVG(layer, { values, colours: COLOURS, width: 640, title: t("compare.map") }) : "";
  const legend = [
    ...lines.map((l, i) => [2 + i, t("compare.only", { name: e(l.name) })]),
    [5, t("compare.some")],
    [1, t("compare.all")],
    [0, t("compare.none")],
  ]
    .map(([k, words]) => `<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill="${COLOURS[k]}"/></svg>${words}</li>`)
    .join("");
  const rows = differ
    .map((code) => byCode.get(code))
    .filter(Boolean)
    .map(
      (c) => `<tr data-code="${e(c.code)}"><th scope="row"><bdi>${e(nameOf(c))}</bdi></th><td class="num">${num(c.population)}</td>
        ${c.covered.map((v, i) => `<td data-scenario="${i}" data-covered="${v}">${v ? t("compare.covered") : t("compare.not_covered")} <small>(${t("unit.minutes", { n: num(c.minutes_after[i], 1) })})</small></td>`).join("")}</tr>`,
    )
    .join("");
  const head = lines.map((l, i) => `<th scope="col"><span class="swatch scenario-${i}"></span><bdi>${e(l.name)}</bdi></th>`).join("");
  return `<section class="difference-map"><h3>${t("compare.map")}</h3>
    <p class="source">${t("compare.differ", { n: num(differ.length) })}</p>
    ${svg}<ul class="difference-legend">${legend}</ul>
    ${rows ? `<div class="table-scroll"><table class="compare-differ"><thead><tr><th scope="col">${t("siting.commune")}</th><th scope="col">${t("siting.population")}</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>` : ""}</section>`;
}

function render() {
  if (!answer) return;
  const { lines, communes, groups, differ } = answer;
  root.innerHTML = `<div class="compare-columns">${lines.map(column).join("")}</div>
    ${groupsTable(lines, groups)}
    ${differenceMap(lines, communes, differ ?? [])}`;
}

function load() {
  return settle(
    async () => {
      const ids = askedIds();
      if (!ids) throw new Error(t("compare.pick_two"));
      answer = await getJSON(`/api/scenarios/compare?ids=${ids.map(enc).join(",")}`);
      // Every compared territory's communes (scenarios of two territories draw both).
      const territories = [...new Set(answer.lines.map((l) => l.territory))];
      const layers = await Promise.all(
        territories.map((code) => getJSON(`/api/layers/communes?parent=${enc(code)}`).catch(() => null)),
      );
      const features = layers.flatMap((one) => one?.features ?? []);
      layer = features.length ? { type: "FeatureCollection", features } : null;
      render();
    },
    { errorBox, loading },
  );
}

const switchLanguage = languageButtons(() => render());

await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
load();
