// Toggle the detail page's image between the X-ray and its heatmap. The heatmap is
// computed by the server on its first request, so it loads only when asked for.
(function () {
  "use strict";
  var image = document.getElementById("scan-image");
  var original = document.getElementById("show-original");
  var heatmap = document.getElementById("show-heatmap");
  var status = document.getElementById("heatmap-status");
  if (!image || !original || !heatmap) { return; }
  function show(which) {
    var wantHeatmap = which === heatmap;
    if (wantHeatmap && image.src.indexOf(image.dataset.heatmap) === -1) {
      status.textContent = "Computing heatmap\u2026";
    }
    image.src = wantHeatmap ? image.dataset.heatmap : image.dataset.original;
    [original, heatmap].forEach(function (button) {
      var active = button === which;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", active ? "true" : "false");
    });
  }
  image.addEventListener("load", function () { status.textContent = ""; });
  image.addEventListener("error", function () { status.textContent = "The heatmap could not be made."; });
  original.addEventListener("click", function () { show(original); });
  heatmap.addEventListener("click", function () { show(heatmap); });
}());
