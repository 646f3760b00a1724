// The map page's state in its address, so that a link shares an answer:
//   /?t=03.531&i=minutes_to_nearest&offer=secondary&tab=access&lang=ar
// t: the territory's HCP code; i: the indicator; then the indicator's own parameters by
// name (offer, minutes, rule, band…); f: a facility shown in the panel; tab: the table
// under the map, table_offer, table_minutes and table_beyond=1 its access offer, threshold
// and "only the communes beyond it"; scenario: a saved siting scenario shown in the
// siting fold (/?t=03.531&scenario=<id>); lang: the
// language (kept by shell.js). An old link (/#03.531) still
// opens its territory. Whatever is unknown, malformed or hostile is dropped, and the
// page shows its default in its place: the address is read, never executed or echoed.

// HCP codes are digits and dots ("03.531.01.05"); "MA" is Morocco. Facility ids are the
// registry's (letters, digits, dots, dashes, underscores).
const CODE = /^(MA|\d{2}(\.\d{3}(\.\d{2}(\.\d{2})?)?)?)$/;
const FACILITY = /^[\w.-]{1,80}$/;
const TAB = /^[a-z_]{1,20}$/;
const MINUTES = /^\d{1,4}$/;
// A saved scenario's id (siting.js shows it): letters, digits, dashes, underscores.
const SCENARIO = /^[\w-]{1,64}$/;
const SHORT = 200; // characters: longer values are not ours

function clean(value, pattern) {
  return typeof value === "string" && value.length <= SHORT && pattern.test(value) ? value : null;
}

/** The state the address asks for, checked against the indicators the server offers. */
export function readAddress(indicators) {
  const query = new URLSearchParams(location.search);
  const hash = decodeURIComponent(location.hash.slice(1));
  const asked = hash || query.get("t");
  const code = clean(asked, CODE) ?? (asked ? asked.slice(0, 40) : "MA");
  const indicator = indicators.find((i) => i.id === query.get("i")) ?? null;
  const params = {};
  for (const p of indicator?.params ?? []) {
    const value = query.get(p.name);
    if (p.choices.some((c) => c.value === value)) params[p.name] = value;
  }
  return {
    // An unknown but well-formed code is asked of the server, which says it is not there.
    code: CODE.test(code) ? code : "MA",
    rejected: CODE.test(code) ? null : asked,
    indicator,
    params,
    facility: clean(query.get("f"), FACILITY),
    scenario: clean(query.get("scenario"), SCENARIO),
    table: {
      tab: clean(query.get("tab"), TAB),
      offer: clean(query.get("table_offer"), TAB),
      minutes: clean(query.get("table_minutes"), MINUTES),
      beyond: query.get("table_beyond") === "1",
    },
  };
}

/** Write `state` into the address: pushed for a step of the reader's own, else replaced. */
export function writeAddress(state, { push = false } = {}) {
  const query = new URLSearchParams();
  if (state.code) query.set("t", state.code);
  if (state.indicator) query.set("i", state.indicator);
  for (const [name, value] of Object.entries(state.params ?? {})) query.set(name, value);
  if (state.facility) query.set("f", state.facility);
  if (state.scenario) query.set("scenario", state.scenario);
  if (state.table) {
    query.set("tab", state.table.tab);
    query.set("table_offer", state.table.offer);
    query.set("table_minutes", String(state.table.minutes));
    if (state.table.beyond) query.set("table_beyond", "1");
  }
  const lang = new URLSearchParams(location.search).get("lang");
  if (lang) query.set("lang", lang);
  const next = `${location.pathname}?${query}`;
  if (next === `${location.pathname}${location.search}` && !location.hash) return;
  history[push ? "pushState" : "replaceState"](null, "", next);
}
