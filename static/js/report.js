// The report page's Print button (the page prints the same way from the browser's menu).
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
