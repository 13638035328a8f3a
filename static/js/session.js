// Idle sign-out, seen from the page: asks the server how long the session has left (a
// question that does not count as activity), warns a minute before the end with a
// "Stay signed in" button, and goes to the sign-in page when the time is up. Text typed
// into a field marked data-draft (the review comment) is kept in this tab's
// sessionStorage until the page shows it saved, and put back after signing in again.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) { return; }
  var statusUrl = box.dataset.statusUrl;
  var loginUrl = box.dataset.loginUrl;
  var warnSeconds = 60;  // or half the idle limit, if that is shorter
  var countdown = box.querySelector("[data-countdown]");
  var timer = null;
  var ticker = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function signIn() {
    var here = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
  }

  function schedule(secondsLeft) {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
    if (secondsLeft <= 0) { signIn(); return; }
    if (secondsLeft > warnSeconds) {
      box.hidden = true;
      timer = window.setTimeout(check, (secondsLeft - warnSeconds) * 1000);
      return;
    }
    var end = Date.now() + secondsLeft * 1000;
    box.hidden = false;
    ticker = window.setInterval(function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      countdown.textContent = String(left);
      if (left <= 0) { window.clearInterval(ticker); check(); }
    }, 250);
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method === "POST") { options.headers["X-CSRFToken"] = csrfToken(); }
    return fetch(statusUrl, options).then(function (response) { return response.json(); });
  }

  function check() {
    // Another tab may have kept the session alive meanwhile: ask before warning.
    ask("GET").then(function (state) {
      if (state.idle_seconds) { warnSeconds = Math.min(60, Math.floor(state.idle_seconds / 2)); }
      schedule(state.signed_in ? state.seconds_left : 0);
    }).catch(function () { timer = window.setTimeout(check, 30000); });
  }

  box.querySelector("button").addEventListener("click", function () {
    ask("POST").then(function (state) { schedule(state.signed_in ? state.seconds_left : 0); });
  });
  check();

  // Drafts: one key per user and page.
  var user = box.dataset.user;
  Array.prototype.forEach.call(document.querySelectorAll("[data-draft]"), function (field) {
    var key = "pneumo-draft:" + user + ":" + window.location.pathname + ":" + field.name;
    var draft = window.sessionStorage.getItem(key);
    if (draft !== null && draft !== field.value) {
      field.value = draft;
      var note = document.getElementById(field.id + "-restored");
      if (note) { note.hidden = false; }
    } else if (draft !== null) {
      window.sessionStorage.removeItem(key);  // the page shows it saved
    }
    field.addEventListener("input", function () {
      window.sessionStorage.setItem(key, field.value);
    });
  });
}());
