// Registry editing from the page (local mode): add, edit, close, reopen a facility. The server
// validates (the CLI's rules); its refusals are shown field by field, nothing is written.
import { ApiError, enc, send } from "./api.js";
import { escapeHtml, t } from "./i18n.js";

const e = escapeHtml;

function field(name, labelKey, { type = "text", value = "", required = false, hint = "", step = "" } = {}) {
  return `<label class="field" data-name="${name}"><span>${t(labelKey)}</span>
    <input name="${name}" type="${type}" value="${e(value ?? "")}" ${required ? "required" : ""} ${step ? `step="${step}"` : ""}>
    ${hint ? `<small>${t(hint)}</small>` : ""}<em class="field-error" hidden></em></label>`;
}

function categorySelect(categories, current) {
  const options = categories
    .map((c) => `<option value="${e(c.code)}" ${c.code === current ? "selected" : ""}>${e(c.code)} — ${e(c.label)}</option>`)
    .join("");
  return `<label class="field" data-name="category"><span>${t("form.category")}</span>
    <select name="category">${options}</select><em class="field-error" hidden></em></label>`;
}

// The version of the facility as read, which a change names: the server refuses it (409)
// if someone changed the facility since, rather than write over their change.
function readAt(facility) {
  return { "If-Match": `"${facility.version}"` };
}

function numberOrNull(value) {
  if (value === "" || value === null || value === undefined) return null;
  return Number(value);
}

export class FacilityEditor {
  constructor(dialog, { categories, onSaved, onStale }) {
    this.dialog = dialog;
    this.categories = categories;
    this.onSaved = onSaved;
    this.onStale = onStale;
  }

  // Closing and reopening say why (the server refuses a blank reason on its field).
  _open(title, body, submit, { reasonRequired = false } = {}) {
    this.dialog.innerHTML = `<form method="dialog" class="editor" novalidate>
      <h2>${e(title)}</h2>
      <div class="errors" role="alert" hidden></div>
      ${body}
      ${field("reason", "form.reason", reasonRequired ? { required: true, hint: "form.reason.required" } : {})}
      <div class="actions"><button type="submit" class="primary" data-action="save">${t("form.save")}</button>
      <button type="button" data-action="cancel">${t("form.cancel")}</button></div></form>`;
    const form = this.dialog.querySelector("form");
    form.querySelector("[data-action=cancel]").addEventListener("click", () => this.dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      const note = { reason: data.reason || null };
      try {
        const saved = await submit(data, note);
        this.dialog.close();
        this.onSaved(saved);
      } catch (error) {
        this._showErrors(form, error);
        // Someone changed the facility meanwhile (409): the panel behind shows it as it
        // is now; the message says to open the form again from there.
        if (error instanceof ApiError && error.code === "stale_version") await this.onStale?.();
      }
    });
    this.dialog.showModal();
  }

  _showErrors(form, error) {
    const box = form.querySelector(".errors");
    for (const el of form.querySelectorAll(".field-error")) el.hidden = true;
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const detail = error instanceof ApiError ? error.detail : [];
    box.hidden = false;
    box.innerHTML = `<p>${t("form.errors")}</p><p class="message">${e(error.message)}</p>
      <ul>${detail.map((d) => `<li data-field="${e(d.field)}"><code>${e(d.field)}</code> : ${e(d.reason)}</li>`).join("")}</ul>`;
    for (const d of detail) {
      for (const name of String(d.field || "").split(/[./]/)) {
        const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
        if (!input) continue;
        input.setAttribute("aria-invalid", "true");
        const slot = input.parentElement.querySelector(".field-error");
        if (slot) {
          slot.hidden = false;
          slot.textContent = d.reason;
        }
      }
    }
  }

  add(commune) {
    const body = `${field("name", "form.name", { required: true })}
      ${field("name_ar", "form.name_ar")}
      ${categorySelect(this.categories, "DR")}
      ${field("commune", "form.commune", { value: commune, required: true })}
      <div class="pair">${field("lon", "form.lon", { type: "number", step: "any", hint: "form.coords.hint" })}
      ${field("lat", "form.lat", { type: "number", step: "any" })}</div>
      <p class="hint">${t("form.capacity_elsewhere")}</p>`;
    this._open(t("form.add.title"), body, (data, note) => {
      const payload = {
        name: data.name,
        category: data.category,
        commune: data.commune,
        ...note,
      };
      if (data.name_ar) payload.name_ar = data.name_ar;
      for (const k of ["lon", "lat"]) {
        if (data[k] !== "") payload[k] = numberOrNull(data[k]);
      }
      return send("POST", "/api/facilities", payload);
    });
  }

  // Beds and doctors are the capacity's totals: changed in its form, with their source
  // and date (capacity_form.js), never here without them.
  edit(facility) {
    const body = `${field("name", "form.name", { value: facility.name, required: true })}
      ${field("name_ar", "form.name_ar", { value: facility.name_ar })}
      ${categorySelect(this.categories, facility.category)}
      <div class="pair">${field("lon", "form.lon", { type: "number", step: "any", value: facility.lon })}
      ${field("lat", "form.lat", { type: "number", step: "any", value: facility.lat })}</div>
      <p class="hint">${t("form.capacity_elsewhere")}</p>`;
    this._open(t("form.edit.title"), body, (data, note) => {
      // Only what changed is sent: the server records exactly that in the history.
      const payload = { ...note };
      if (data.name !== facility.name) payload.name = data.name;
      if ((data.name_ar || null) !== (facility.name_ar || null)) payload.name_ar = data.name_ar || null;
      if (data.category !== facility.category) payload.category = data.category;
      const lon = numberOrNull(data.lon);
      const lat = numberOrNull(data.lat);
      if (lon !== facility.lon || lat !== facility.lat) {
        payload.lon = lon;
        payload.lat = lat;
      }
      return send("PATCH", `/api/facilities/${enc(facility.id)}`, payload, readAt(facility));
    });
  }

  close(facility) {
    this._open(
      `${t("form.close.title")} — ${facility.name}`,
      "",
      (_data, note) =>
        send(
          "POST",
          `/api/facilities/${enc(facility.id)}/close`,
          { ...note, reason: note.reason ?? "" },
          readAt(facility),
        ),
      { reasonRequired: true },
    );
  }

  reopen(facility) {
    this._open(
      `${t("form.reopen.title")} — ${facility.name}`,
      "",
      (_data, note) =>
        send(
          "POST",
          `/api/facilities/${enc(facility.id)}/reopen`,
          { ...note, reason: note.reason ?? "" },
          readAt(facility),
        ),
      { reasonRequired: true },
    );
  }
}
