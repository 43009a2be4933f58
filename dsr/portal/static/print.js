// The receipt's print button (a script, because the CSP allows no inline handlers).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
})();
