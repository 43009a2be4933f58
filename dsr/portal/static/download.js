// The download page: the answer arrives as a file, so the page itself does not change; say so.
(function () {
  var form = document.getElementById("download-form");
  var note = document.getElementById("download-starting");
  if (!form || !note) { return; }
  form.addEventListener("submit", function () { note.hidden = false; });
})();
