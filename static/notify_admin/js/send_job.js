/* A send job's page: its counts follow the job while it is created and sent.
   The server counts (notify_admin/admin/send_job_page.py, counts_view); this
   asks every few seconds and writes the numbers into the cells that carry
   data-na-cell, the state and the creation's progress, and stops once the
   job no longer changes. Plain JavaScript, no build step, no inline script
   (the console's CSP forbids it). Without script, a <noscript> refresh. */
"use strict";
(function () {
  function start(page) {
    var url = page.dataset.naJobCounts;
    var seconds = parseInt(page.dataset.naJobRefresh, 10) || 3;
    if (!url || page.dataset.naJobLive !== "1") { return; }
    var timer = null;

    var state = page.dataset.naJobState;

    function show(answer) {
      var cells = answer.cells || {};
      // A new state (created, finished, cancelled) or a channel the table
      // does not have yet: the page itself is drawn again, with its buttons.
      var missing = Object.keys(cells).some(function (key) {
        return cells[key] && !page.querySelector('[data-na-cell="' + key + '"]');
      });
      if (answer.state !== state || missing) {
        window.location.reload();
        return false;
      }
      page.querySelectorAll("[data-na-cell]").forEach(function (cell) {
        var key = cell.dataset.naCell;
        var value = Object.prototype.hasOwnProperty.call(cells, key) ? cells[key] : 0;
        cell.textContent = String(value);
      });
      var progress = page.querySelector("[data-na-job-progress]");
      if (progress) { progress.value = answer.created; }
      var created = page.querySelector("[data-na-job-created]");
      if (created && answer.created_text) { created.textContent = answer.created_text; }
      return true;
    }

    function ask() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) { return; }
          if (show(answer) && answer.live) { timer = setTimeout(ask, seconds * 1000); }
        })
        .catch(function () { timer = setTimeout(ask, seconds * 4000); });
    }
    timer = setTimeout(ask, seconds * 1000);
  }

  function ready() {
    document.querySelectorAll("[data-na-job-counts]").forEach(start);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
