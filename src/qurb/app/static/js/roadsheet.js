// The road sheet's one control: print it (the page itself is written on the server).
for (const button of document.querySelectorAll("[data-action=print]")) {
  button.addEventListener("click", () => window.print());
}
