// The detail page's review shortcuts: a key clicks the element carrying it in data-key
// (p/n confirm, Shift+P/N confirm and go to the next scan, c clears, j goes to the next
// scan of the worklist). The buttons are plain
// forms, so everything also works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      return;  // typing a comment or choosing in a form
    }
    // The key as typed: "p" confirms, Shift+P ("P") confirms and goes to the next scan.
    var element = document.querySelector('[data-key="' + event.key + '"]') ||
      document.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (element) {
      event.preventDefault();
      element.click();
    }
  });
}());
