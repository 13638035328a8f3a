// The scan page's image viewer: zoom (wheel, pinch, buttons, + and -), pan (drag, one
// finger, arrow keys), fit and 1:1 (the stored copy's own pixels), window/level (sliders,
// presets, or Shift+drag: sideways the width, up and down the level), invert; the heatmap
// layer moves with the X-ray and keeps its opacity slider (detail.js). Window/level is an
// SVG filter on the X-ray alone: out = (in - (level - width / 2)) / width, clipped.
// Without JavaScript the page shows the plain image and its full-resolution link.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  var stage = document.getElementById("viewer-stage");
  var image = document.getElementById("scan-image");
  var tools = document.getElementById("viewer-tools");
  if (!viewer || !stage || !image || !tools) { return; }
  var widthInput = document.getElementById("viewer-window");
  var levelInput = document.getElementById("viewer-level");
  var preset = document.getElementById("viewer-preset");
  var invertButton = tools.querySelector("[data-action=invert]");
  var zoomLabel = document.getElementById("viewer-zoom");
  var funcs = document.querySelectorAll("#window-level feFuncR, #window-level feFuncG, #window-level feFuncB");
  var MIN_SCALE = 1, MAX_SCALE = 16;
  var view = { scale: 1, x: 0, y: 0, inverted: false };
  var pointers = {};
  var gesture = null;

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }

  function render() {
    // Keep the picture over the viewport: no panning past its edges.
    var box = viewer.getBoundingClientRect();
    var w = stage.offsetWidth * view.scale, h = stage.offsetHeight * view.scale;
    view.x = clamp(view.x, Math.min(0, box.width - w), 0);
    view.y = clamp(view.y, Math.min(0, box.height - h), 0);
    stage.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
    viewer.dataset.scale = view.scale.toFixed(3);
    zoomLabel.textContent = Math.round(view.scale * 100) + "%";
  }

  function zoomAt(factor, clientX, clientY) {
    var box = viewer.getBoundingClientRect();
    var px = (clientX === undefined ? box.width / 2 : clientX - box.left);
    var py = (clientY === undefined ? box.height / 2 : clientY - box.top);
    var scale = clamp(view.scale * factor, MIN_SCALE, MAX_SCALE);
    // The point under the cursor stays where it is.
    view.x = px - (px - view.x) * scale / view.scale;
    view.y = py - (py - view.y) * scale / view.scale;
    view.scale = scale;
    render();
  }

  function fit() { view.scale = 1; view.x = 0; view.y = 0; render(); }

  function oneToOne() {
    // One pixel of the stored copy on one CSS pixel (at least the fitted size).
    var factor = image.naturalWidth / Math.max(stage.offsetWidth, 1);
    zoomAt(Math.max(factor, 1) / view.scale);
  }

  function windowLevel() {
    var width = Math.max(Number(widthInput.value), 1) / 100;
    var level = Number(levelInput.value) / 100;
    var slope = 1 / width, intercept = -(level - width / 2) / width;
    Array.prototype.forEach.call(funcs, function (func) {
      func.setAttribute("slope", slope.toFixed(4));
      func.setAttribute("intercept", intercept.toFixed(4));
    });
    image.style.filter = "url(#window-level)" + (view.inverted ? " invert(1)" : "");
    viewer.dataset.window = widthInput.value + "," + levelInput.value;
  }

  function setInverted(on) {
    view.inverted = on;
    invertButton.setAttribute("aria-pressed", on ? "true" : "false");
    windowLevel();
  }

  function reset() {
    widthInput.value = 100; levelInput.value = 50; preset.value = "100,50";
    setInverted(false);
    fit();
  }

  var actions = {
    "zoom-in": function () { zoomAt(1.25); },
    "zoom-out": function () { zoomAt(0.8); },
    fit: fit,
    "one-to-one": oneToOne,
    invert: function () { setInverted(!view.inverted); },
    reset: reset
  };
  tools.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) { actions[button.dataset.action](); }
  });
  [widthInput, levelInput].forEach(function (input) {
    input.addEventListener("input", function () { preset.value = ""; windowLevel(); });
  });
  preset.addEventListener("change", function () {
    if (!preset.value) { return; }
    var values = preset.value.split(",");
    widthInput.value = values[0]; levelInput.value = values[1];
    windowLevel();
  });

  viewer.addEventListener("wheel", function (event) {
    event.preventDefault();
    zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX, event.clientY);
  }, { passive: false });

  viewer.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var step = 40;
    var keys = {
      "+": actions["zoom-in"], "=": actions["zoom-in"], "-": actions["zoom-out"],
      "0": fit, "1": oneToOne, "i": actions.invert, "r": reset,
      ArrowLeft: function () { view.x += step; render(); },
      ArrowRight: function () { view.x -= step; render(); },
      ArrowUp: function () { view.y += step; render(); },
      ArrowDown: function () { view.y -= step; render(); }
    };
    if (keys[event.key]) { event.preventDefault(); event.stopPropagation(); keys[event.key](); }
  });

  function spread() {
    var ids = Object.keys(pointers);
    var a = pointers[ids[0]], b = pointers[ids[1]];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  }

  viewer.addEventListener("pointerdown", function (event) {
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    if (viewer.setPointerCapture) {
      try { viewer.setPointerCapture(event.pointerId); } catch (error) { /* synthetic */ }
    }
    var count = Object.keys(pointers).length;
    if (count === 2) {
      gesture = { kind: "pinch", start: spread(), scale: view.scale };
    } else if (count === 1) {
      gesture = {
        kind: event.shiftKey ? "window" : "pan", x: event.clientX, y: event.clientY,
        viewX: view.x, viewY: view.y,
        width: Number(widthInput.value), level: Number(levelInput.value)
      };
    }
  });
  viewer.addEventListener("pointermove", function (event) {
    if (!pointers[event.pointerId] || !gesture) { return; }
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    if (gesture.kind === "pinch" && Object.keys(pointers).length === 2) {
      var now = spread();
      zoomAt(gesture.scale * now.distance / Math.max(gesture.start.distance, 1) / view.scale, now.x, now.y);
    } else if (gesture.kind === "pan") {
      view.x = gesture.viewX + event.clientX - gesture.x;
      view.y = gesture.viewY + event.clientY - gesture.y;
      render();
    } else if (gesture.kind === "window") {
      widthInput.value = clamp(gesture.width + (event.clientX - gesture.x) / 3, 1, 100);
      levelInput.value = clamp(gesture.level - (event.clientY - gesture.y) / 3, 0, 100);
      preset.value = "";
      windowLevel();
    }
  });
  function release(event) {
    delete pointers[event.pointerId];
    gesture = null;
  }
  viewer.addEventListener("pointerup", release);
  viewer.addEventListener("pointercancel", release);
  window.addEventListener("resize", render);

  tools.hidden = false;
  viewer.classList.add("viewer-on");
  windowLevel();
  render();
}());
