// Copies values from the URL fragment (#code=…, #ref=…&secret=…) into the form fields marked
// data-fragment="…", then removes the fragment from the address bar and history.
// Fragments never reach the server, so codes and secrets in links stay out of server logs.
(function () {
  var hash = window.location.hash.replace(/^#/, "");
  if (!hash) { return; }
  var params = new URLSearchParams(hash);
  document.querySelectorAll("[data-fragment]").forEach(function (input) {
    var value = params.get(input.getAttribute("data-fragment"));
    if (value) { input.value = value; }
  });
  history.replaceState(null, "", window.location.pathname + window.location.search);
})();
