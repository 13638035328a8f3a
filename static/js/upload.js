// Drag-and-drop onto the upload form's drop zone; the plain file input still works without it.
(function () {
  "use strict";
  var zone = document.getElementById("dropzone");
  var input = zone && zone.querySelector("input[type=file]");
  var text = document.getElementById("dropzone-text");
  if (!zone || !input) { return; }
  function showName() {
    if (input.files && input.files.length) { text.textContent = input.files[0].name; }
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragover");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showName();
    }
  });
  input.addEventListener("change", showName);
}());
