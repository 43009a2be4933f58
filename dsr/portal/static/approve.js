// "Freigeben" waits until the approver opened the final letter (dsr.casefile.approval). The letter
// opens in a new tab; this enables the button on the case page at once instead of after a reload.
// The server checks the record of the opening either way; without JavaScript a reload does it.
(function () {
  var letter = document.getElementById("final-letter");
  var button = document.getElementById("approve");
  var reason = document.getElementById("approve-reason");
  if (!letter || !button || !button.disabled) { return; }
  letter.addEventListener("click", function () {
    // after the browser asked for the letter, so the record exists before the approval is posted
    window.setTimeout(function () {
      button.disabled = false;
      button.removeAttribute("aria-describedby");
      if (reason) { reason.textContent = reason.getAttribute("data-opened") || ""; }
    }, 500);
  });
})();
