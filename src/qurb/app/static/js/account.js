// The top bar's sign-in state: "signed in as …", the audit trail (for an account that may
// read it), change password and sign out; or the sign-in link the server wrote. Its words
// follow the page's language.
import { getJSON } from "./api.js";
import { lang, t } from "./i18n.js";

const box = document.getElementById("qurb-account");
let me = null;

function render() {
  if (!box || !me || me.anonymous) return;
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
  const links = [who];
  if (me.permissions?.includes("audit.read")) {
    const audit = document.createElement("a");
    audit.href = `/audit?lang=${lang()}`;
    audit.textContent = t("audit.title");
    links.push(audit);
  }
  box.replaceChildren(...links, password, out);
}

async function signOut() {
  await fetch("/api/auth/sign-out", {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRF-Token": me.csrf_token },
  });
  location.assign("/");
}

if (box) {
  new MutationObserver(render).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ["lang"],
  });
  getJSON("/api/auth/me")
    .then((answer) => {
      me = answer;
      render();
    })
    .catch(() => {});
}
