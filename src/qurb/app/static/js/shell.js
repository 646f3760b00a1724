// The page shell every page on the base layout shares: the header's places (a place that
// needs a permission is shown once /api/auth/me says the reader holds it), who is signed
// in ("signed in as …", change password, sign out, the alerts raised for them: alerts.js)
// or the sign-in link, and the page's
// language kept in its address and in the places' links, so a copied link opens in the
// language it was read in. Each page's own script switches its words (i18n.js setLang).
import { renderAlerts, showAlerts } from "./alerts.js";
import { whoAmI } from "./api.js";
import { LANGS, lang, setLang, t } from "./i18n.js";

const box = document.getElementById("qurb-account");
let me = null;

/** The language buttons of a page: each switches the page's words (setLang), marks itself
 * pressed, then `redraw(next)` draws again what the page's own script drew. Returns the
 * switch, for the page's start. */
export function languageButtons(redraw = () => {}) {
  const switchTo = async (next) => {
    await setLang(next);
    for (const button of document.querySelectorAll("[data-lang]"))
      button.setAttribute("aria-pressed", String(button.dataset.lang === next));
    await redraw(next);
  };
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => switchTo(button.dataset.lang));
  }
  return switchTo;
}

/** The address to come back to after signing in: this page, as it is now. */
export function signInHref() {
  const here = `${location.pathname}${location.search}${location.hash}`;
  return `/sign-in?lang=${lang()}&next=${encodeURIComponent(here)}`;
}

/** A notice for a link that asks for more than the reader may see: what is shown instead
 * (the public view) and where to sign in to see the rest. HTML, words in the page's language. */
export function signInPrompt(reasonKey) {
  return `<p class="sign-in-prompt" role="status">${t(reasonKey)}
    <a href="${signInHref()}">${t("auth.sign_in_to_see")}</a></p>`;
}

function renderAccount() {
  if (!box || !me) return;
  if (me.anonymous) {
    const link = document.createElement("a");
    link.href = signInHref();
    link.textContent = t("auth.sign_in");
    box.replaceChildren(link);
    return;
  }
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = t("auth.signed_in_as", { name: me.account.display_name || me.account.username });
  const password = document.createElement("a");
  password.href = `/password?lang=${lang()}`;
  password.textContent = t("auth.change_password");
  const out = document.createElement("button");
  out.type = "button";
  out.textContent = t("auth.sign_out");
  out.addEventListener("click", signOut);
  const alerts = box.querySelector("details.alerts");
  box.replaceChildren(...(alerts ? [alerts] : []), who, password, out);
}

function renderPlaces() {
  for (const item of document.querySelectorAll(".places li[data-permission]")) {
    item.hidden = !me?.permissions?.includes(item.dataset.permission);
  }
  for (const link of document.querySelectorAll(".places a[data-place]")) {
    const url = new URL(link.getAttribute("href"), location.origin);
    url.searchParams.set("lang", lang());
    link.setAttribute("href", `${url.pathname}${url.search}`);
  }
  for (const button of document.querySelectorAll(".langs [data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
}

// The language in the address: replaced, not pushed (switching language is not a step
// back and forth in the page's history).
function keepLanguageInAddress() {
  const url = new URL(location.href);
  if (url.searchParams.get("lang") === lang() || !LANGS.includes(lang())) return;
  url.searchParams.set("lang", lang());
  history.replaceState(history.state, "", `${url.pathname}${url.search}${url.hash}`);
}

function render() {
  renderAccount();
  renderAlerts();
  renderPlaces();
  keepLanguageInAddress();
}

async function signOut() {
  await fetch("/api/auth/sign-out", {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRF-Token": me.csrf_token },
  });
  location.assign("/");
}

new MutationObserver(render).observe(document.documentElement, {
  attributes: true,
  attributeFilter: ["lang"],
});
whoAmI()
  .then((answer) => {
    me = answer;
    render();
    if (!me.anonymous && box) return showAlerts(box, box.firstChild);
  })
  .catch(() => {});
