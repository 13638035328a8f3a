// The detail page's original/heatmap toggle. Without JavaScript the two links reload the
// page (?view=heatmap makes and shows the map). With it, once the map exists, the heatmap
// is laid over the X-ray in place, with an opacity slider; the first view of a map still
// follows the link, so the page can say whether the map is weak or diffuse.
(function () {
  "use strict";
  var image = document.getElementById("scan-image");
  var layer = document.getElementById("heatmap-layer");
  var original = document.getElementById("show-original");
  var heatmap = document.getElementById("show-heatmap");
  var controls = document.getElementById("heatmap-controls");
  var opacity = document.getElementById("heatmap-opacity");
  var status = document.getElementById("heatmap-status");
  if (!image || !layer || !original || !heatmap) { return; }

  function setActive(which) {
    [original, heatmap].forEach(function (link) {
      var active = link === which;
      link.classList.toggle("active", active);
      if (active) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
    });
  }
  function show(wantHeatmap) {
    image.src = image.dataset.original;
    if (wantHeatmap && !layer.getAttribute("src")) {
      status.textContent = "Loading heatmap\u2026";
      layer.src = image.dataset.heatmap;
    }
    layer.hidden = !wantHeatmap;
    controls.hidden = !wantHeatmap;
    setActive(wantHeatmap ? heatmap : original);
  }

  document.getElementById("opacity-control").hidden = false;
  layer.addEventListener("load", function () { status.textContent = ""; });
  layer.addEventListener("error", function () { status.textContent = "The heatmap could not be made."; });
  opacity.addEventListener("input", function () { layer.style.opacity = String(opacity.value / 100); });
  original.addEventListener("click", function (event) { event.preventDefault(); show(false); });
  heatmap.addEventListener("click", function (event) {
    if (heatmap.dataset.ready !== "1") { return; }  // first view: the server makes the map
    event.preventDefault();
    show(true);
  });
  if (!controls.hidden) { show(true); }  // opened as ?view=heatmap: overlay it, slider on
}());
