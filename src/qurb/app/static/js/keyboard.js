// Keyboard use of the map page. A set of many similar things (the territory shapes, the
// facility markers) is one stop of the tab order: Tab reaches the chosen one (or the first),
// the arrow keys move within the set, Home and End go to its ends, Enter and Space act. The
// search box is a combobox: its results are a listbox whose active option moves with
// ArrowUp/ArrowDown (aria-activedescendant), Enter opens it, Escape closes the list.

const NEXT = { ArrowDown: 1, ArrowUp: -1 };

/** One tab stop for a set of elements of `container`, in the order given to `set`. */
export class Roving {
  constructor(container, { onActivate = null, onMove = null } = {}) {
    this.elements = [];
    this.onActivate = onActivate;
    this.onMove = onMove;
    container.addEventListener("keydown", (event) => this._key(event));
  }

  /** The elements, in keyboard order; `current` (or the first) takes the tab stop. */
  set(elements, current = null) {
    const stop = this.elements.includes(document.activeElement) ? document.activeElement : current;
    this.elements = elements;
    const start = elements.includes(stop) ? stop : elements[0];
    for (const el of elements) el.setAttribute("tabindex", el === start ? "0" : "-1");
  }

  _key(event) {
    const index = this.elements.indexOf(event.target);
    if (index < 0) return;
    const rtl = document.documentElement.dir === "rtl";
    const step =
      NEXT[event.key] ??
      { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key] ??
      { Home: -index, End: this.elements.length - 1 - index }[event.key];
    if (step !== undefined) {
      event.preventDefault();
      event.stopPropagation();
      const count = this.elements.length;
      this.focus(this.elements[(index + step + count) % count]);
    } else if ((event.key === "Enter" || event.key === " ") && this.onActivate) {
      if (this.onActivate(event.target, event.key) !== false) {
        event.preventDefault();
        event.stopPropagation();
      }
    }
  }

  focus(el) {
    for (const other of this.elements) other.setAttribute("tabindex", other === el ? "0" : "-1");
    // The map's panes hide their overflow: a focused shape must not scroll them.
    el.focus({ preventScroll: true });
    this.onMove?.(el);
  }
}

/** The search box and its results: `find(text)` gives the items, `option(item)` an
 * option's inner HTML, `onPick(item)` opens one; `words()` the list's accessible name. */
export class SearchBox {
  constructor(input, list, { find, option, onPick, none, words }) {
    Object.assign(this, { input, list, find, option, onPick, none, words });
    this.items = [];
    this.active = -1;
    this.asked = 0;
    this.timer = null;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");
    input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.update(), 180);
    });
    input.addEventListener("keydown", (event) => this._key(event));
    input.addEventListener("blur", () => this.close());
    // A click on an option keeps the focus in the box (no blur closes the list first).
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const li = event.target.closest("[role=option][data-index]");
      if (li) this.pick(Number(li.dataset.index));
    });
  }

  get open() {
    return !this.list.hidden;
  }

  async update() {
    clearTimeout(this.timer);
    this.timer = null;
    const text = this.input.value;
    const ticket = ++this.asked;
    if (!text.trim()) return this.close();
    const items = await this.find(text);
    if (ticket !== this.asked) return;
    this.items = items;
    this.active = -1;
    const id = this.list.id;
    this.list.innerHTML = items.length
      ? items
          .map((item, i) => `<li role="option" id="${id}-${i}" data-index="${i}" aria-selected="false">${this.option(item)}</li>`)
          .join("")
      : `<li role="option" aria-disabled="true" aria-selected="false" class="none">${this.none()}</li>`;
    this.list.setAttribute("aria-label", this.words());
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  setActive(index) {
    const options = [...this.list.querySelectorAll("[role=option][data-index]")];
    if (!options.length) return;
    this.active = (index + options.length) % options.length;
    options.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    const li = options[this.active];
    this.input.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
  }

  pick(index) {
    const item = this.items[index];
    if (!item) return;
    this.close();
    this.input.value = "";
    this.items = [];
    this.onPick(item);
  }

  async _key(event) {
    const step = NEXT[event.key];
    if (step !== undefined) {
      event.preventDefault();
      if (!this.open || this.timer !== null) await this.update();
      if (this.open) this.setActive(this.active < 0 && step < 0 ? -1 : this.active + step);
    } else if (event.key === "Enter") {
      event.preventDefault();
      // Enter opens the active option; without one, the first result of what is typed.
      if (this.open && this.active >= 0) return this.pick(this.active);
      await this.update();
      this.pick(0);
    } else if (event.key === "Escape") {
      if (!this.open) return; // the search box itself then clears what is typed
      event.preventDefault();
      this.close();
    }
  }
}
