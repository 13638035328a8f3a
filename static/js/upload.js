// The upload form: drag-and-drop onto the drop zone, the limits checked before sending,
// and progress per file while the request goes up (then "analysing" until the answer).
// Without JavaScript the plain form posts the same files.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  var input = zone && zone.querySelector("input[type=file]");
  var text = document.getElementById("dropzone-text");
  var problem = document.getElementById("upload-problem");
  var progress = document.getElementById("upload-progress");
  if (!form || !zone || !input) { return; }
  var MB = 1e6;

  // The page's words, in its language (the form's data-text-* attributes).
  function say(key, values) {
    return (form.dataset["text" + key] || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? values[name] : all;
    });
  }

  function showName() {
    var count = input.files ? input.files.length : 0;
    if (count === 1) { text.textContent = input.files[0].name; }
    if (count > 1) { text.textContent = say("Chosen", { count: count }); }
    problem.hidden = true;
  }

  function megabytes(size) {  // as the server says sizes (diagnosis.services.megabytes)
    return (size / MB).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  function limitProblem(files) {
    var maxFiles = Number(form.dataset.maxFiles);
    var maxFile = Number(form.dataset.maxFileBytes);
    var maxBatch = Number(form.dataset.maxBatchBytes);
    var total = 0;
    var problems = [];
    if (files.length > maxFiles) {
      problems.push(say("TooMany", { count: files.length, most: maxFiles }));
    }
    for (var i = 0; i < files.length; i += 1) {
      total += files[i].size;
      if (files[i].size > maxFile) {
        problems.push(say("TooBig", {
          name: files[i].name, size: megabytes(files[i].size), limit: megabytes(maxFile)
        }));
      }
    }
    if (total > maxBatch) {
      problems.push(say("TooMuch", { total: megabytes(total), limit: megabytes(maxBatch) }));
    }
    return problems.join(" ");
  }

  function progressRows(files) {
    progress.textContent = "";
    var rows = [];
    for (var i = 0; i < files.length; i += 1) {
      var row = document.createElement("li");
      row.textContent = say("Waiting", { name: files[i].name });
      progress.appendChild(row);
      rows.push({ row: row, name: files[i].name, end: 0, size: files[i].size });
    }
    var sent = 0;
    rows.forEach(function (entry) { sent += entry.size; entry.end = sent; });
    progress.hidden = false;
    return rows;
  }

  function showSent(rows, loaded, total) {
    // Multipart overhead aside, the files go up in order: the bytes sent say which one.
    var scale = rows.length ? rows[rows.length - 1].end / total : 1;
    rows.forEach(function (entry) {
      var start = entry.end - entry.size;
      var done = Math.min(Math.max(loaded * scale - start, 0), entry.size);
      var percent = entry.size ? Math.floor(100 * done / entry.size) : 100;
      entry.row.textContent = percent >= 100 ?
        say("Analysing", { name: entry.name }) :
        say("Sending", { name: entry.name, percent: percent + "%" });
      entry.row.className = percent >= 100 ? "done" : "";
    });
  }

  function showAnswer(request) {
    // Success: the server names the results page (as JSON, not a redirect, so that the
    // page, rendered once, still carries every file's message); an error: its page here.
    var type = request.getResponseHeader("Content-Type") || "";
    if (request.status < 400 && type.indexOf("application/json") === 0) {
      window.location.assign(JSON.parse(request.responseText).location);
      return;
    }
    var page = new DOMParser().parseFromString(request.responseText, "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
  }

  function send(event) {
    var files = input.files || [];
    var message = limitProblem(files);
    if (message) {
      event.preventDefault();
      problem.textContent = message;
      problem.hidden = false;
      return;
    }
    if (!window.XMLHttpRequest || !window.FormData || !files.length) { return; }
    event.preventDefault();
    var rows = progressRows(files);
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.addEventListener("progress", function (step) {
      if (step.lengthComputable) { showSent(rows, step.loaded, step.total); }
    });
    request.upload.addEventListener("load", function () { showSent(rows, 1, 1); });
    request.addEventListener("load", function () { showAnswer(request); });
    request.addEventListener("error", function () {
      problem.textContent = say("Failed");
      problem.hidden = false;
    });
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
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
  form.addEventListener("submit", send);
}());
