// The sign-in and change-password pages: their forms go to /api/auth as JSON; the server
// words its refusals in the page's language.
import { ApiError, getJSON, send } from "./api.js";
import { initialLang, lang, t } from "./i18n.js";
import { languageButtons } from "./shell.js";

const config = JSON.parse(document.getElementById("qurb-config").textContent);

const switchLanguage = languageButtons((next) => {
  document.body.dataset.ready = next;
});

function showError(form, error) {
  const box = form.querySelector(".auth-error");
  box.textContent = error instanceof ApiError ? error.message : String(error);
  box.hidden = false;
}

const signIn = document.getElementById("sign-in-form");
signIn?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(signIn);
  try {
    const done = await send("POST", "/api/auth/sign-in", {
      username: data.get("username"),
      password: data.get("password"),
    });
    const next = new URLSearchParams(location.search).get("next");
    const safe = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
    location.assign(done.must_change_password ? `/password?lang=${lang()}` : safe);
  } catch (error) {
    showError(signIn, error);
  }
});

const change = document.getElementById("password-form");
if (change) {
  const me = await getJSON("/api/auth/me").catch(() => ({ anonymous: true }));
  if (me.anonymous) location.assign(`/sign-in?lang=${lang()}`);
  else if (me.account.must_change_password)
    document.querySelector(".auth-must-change").hidden = false;
  change.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(change);
    change.querySelector(".auth-done").hidden = true;
    if (data.get("new") !== data.get("repeat")) {
      showError(change, t("auth.passwords_differ"));
      return;
    }
    try {
      await send("POST", "/api/auth/password", { current: data.get("current"), new: data.get("new") });
      change.querySelector(".auth-error").hidden = true;
      change.querySelector(".auth-done").hidden = false;
      change.reset();
    } catch (error) {
      showError(change, error);
    }
  });
}

switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
