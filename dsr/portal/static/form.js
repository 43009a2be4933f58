// The request form, enhanced: everything works without this script (all sections visible,
// the age rule stated in general); with it, sections show only for the choice that needs them,
// the child hears at once where the answer goes, and focus moves to the error summary.
(function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  var form = document.querySelector("form[enctype]");
  if (!form) { return; }
  function acting() {
    var checked = form.querySelector("input[name=acting]:checked");
    return checked ? checked.value : "";
  }

  function reveal() {
    var how = acting();
    form.querySelectorAll("[data-reveal]").forEach(function (section) {
      var shown = section.getAttribute("data-reveal").split(" ").indexOf(how) >= 0;
      section.hidden = !shown;
      section.querySelectorAll("input, textarea").forEach(function (input) { input.disabled = !shown; });
    });
    form.querySelectorAll("[data-reveal-hint]").forEach(function (hint) { hint.hidden = true; });
  }

  // "2012-05-03" from the three fields, or "" while incomplete
  function typedDate() {
    var d = form.querySelector("#dob_day").value.trim();
    var m = form.querySelector("#dob_month").value.trim();
    var y = form.querySelector("#dob_year").value.trim();
    if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) { return ""; }
    return y + "-" + ("0" + m).slice(-2) + "-" + ("0" + d).slice(-2);
  }

  // the cut-off dates come from the server, which derives them from the representation rules
  function notice() {
    var box = document.getElementById("dob");
    var born = typedDate();
    var how = acting();
    var young = born !== "" && born > box.getAttribute("data-youngest-alone");
    var minor = born !== "" && born > box.getAttribute("data-adult-by");
    var show = {
      rule: how === "self" && born === "",
      child: how === "self" && young,
      consent: how === "parent" && minor && !young
    };
    document.querySelectorAll("#child-notice [data-when]").forEach(function (p) {
      p.hidden = !show[p.getAttribute("data-when")];
    });
  }

  form.addEventListener("change", function () { reveal(); notice(); });
  form.addEventListener("input", notice);
  reveal();
  notice();
})();
