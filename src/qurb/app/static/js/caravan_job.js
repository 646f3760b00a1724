// A campaign planned as a job (POST /api/caravans/jobs): its progress (phase, seconds
// elapsed) polled about every half second, a Cancel button (POST …/cancel stops the
// solver), and the end told to the form: done (the saved campaign's id), failed (the
// server's problems) or cancelled.
import { ApiError, csrfHeader, enc, getJSON, send } from "./api.js";
import { escapeHtml as e, num, t } from "./i18n.js";

const POLL_MS = 500;
// Polls in a row that may not get through (network, 5xx) before the page gives up (≈ 10 s).
const MAX_MISSES = 20;
const FINAL = new Set(["done", "failed", "cancelled"]);

/** How the job goes, in the page's language: its status, and its phase while it runs
 * (a phase the catalogue does not word is left out). */
function progressText(status) {
  const seconds = num(Math.floor(status.elapsed_s || 0));
  const key = `caravan.job.phase.${status.phase}`;
  const phase = status.phase && status.phase !== status.status && t(key) !== key ? t(key) : "";
  const words = t(`caravan.job.status.${status.status}`);
  return phase ? t("caravan.job.progress", { status: words, phase, seconds }) : t("caravan.job.progress.status", { status: words, seconds });
}

export class PlanJob {
  /** `onEnd(status)` is called once, with the job's last status. */
  constructor(onEnd) {
    this.onEnd = onEnd;
    this.status = null;
    this.box = null;
    this.timer = null;
  }

  get running() {
    return this.status !== null && !FINAL.has(this.status.status);
  }

  /** Where the progress is shown (again, after the form is drawn in another language). */
  attach(box) {
    this.box = box;
    box.innerHTML = `<div class="cv-job" hidden>
        <progress class="cv-job-bar" aria-labelledby="cv-job-text"></progress>
        <span id="cv-job-text" class="cv-job-text" role="status" aria-live="polite"></span>
        <button type="button" class="cv-job-cancel" data-action="cancel-job">${e(t("caravan.job.cancel"))}</button>
      </div>`;
    box.querySelector("[data-action=cancel-job]").addEventListener("click", () => this.cancel());
    if (this.status) this.show(this.status);
  }

  async start(spec) {
    const job = await send("POST", "/api/caravans/jobs", spec);
    this.id = job.id;
    this.poll = job.poll || `/api/caravans/jobs/${enc(job.id)}`;
    this.show({ id: job.id, status: job.status || "queued", phase: null, elapsed_s: 0 });
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), POLL_MS);
  }

  async tick() {
    let status;
    try {
      status = await getJSON(this.poll);
      this.misses = 0;
    } catch (error) {
      // A poll that did not get through (the network, a busy server: 5xx) is tried again,
      // a few times: the job goes on meanwhile. Refused (4xx) or lost: it ends here.
      const passing = !(error instanceof ApiError) || error.status >= 500;
      this.misses = (this.misses ?? 0) + 1;
      if (passing && this.misses <= MAX_MISSES) {
        this.schedule();
        return;
      }
      status = { ...this.status, status: "failed", error: error.message };
    }
    this.show(status);
    if (FINAL.has(status.status)) this.onEnd(status);
    else this.schedule();
  }

  async cancel() {
    if (!this.running) return;
    const button = this.box?.querySelector("[data-action=cancel-job]");
    if (button) button.disabled = true;
    await fetch(`/api/caravans/jobs/${enc(this.id)}/cancel`, {
      method: "POST",
      headers: { Accept: "application/json", ...(await csrfHeader()) },
    });
    // The next poll reads it cancelled: the process running it stops its worker, and
    // with it the solver, within a fraction of a second.
  }

  show(status) {
    this.status = status;
    if (!this.box) return;
    const panel = this.box.querySelector(".cv-job");
    const running = !FINAL.has(status.status);
    panel.hidden = !running;
    panel.dataset.status = status.status;
    const text = progressText(status);
    const label = panel.querySelector(".cv-job-text");
    if (label.textContent !== text) label.textContent = text;
    panel.querySelector("progress").setAttribute("aria-valuetext", text);
    panel.querySelector("[data-action=cancel-job]").disabled = !running;
  }
}
