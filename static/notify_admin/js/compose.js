/* Compose notification: the message's size for each channel, live under the
   body as it is typed. The channels measure it on the server (the same
   answers the form gives when it is sent: notify_admin/admin/compose.py);
   this only asks and shows. Plain JavaScript, no build step, no inline
   script (the console's CSP forbids it). */
"use strict";
(function () {
  function start(body) {
    var form = body.form;
    var target = form.querySelector("select[name=target]");
    var targetModules = JSON.parse(target && target.dataset.naTargetModules || "{}");
    var modules = (body.dataset.naModules || "").split(",").filter(Boolean);
    var output = document.createElement("div");
    output.className = "help na-live-sizes";
    output.id = "na-live-sizes";
    output.setAttribute("aria-live", "polite");
    // Under the field, where Django puts its help text.
    (body.closest(".flex-container") || body).insertAdjacentElement("afterend", output);
    var timer = null;
    var asked = 0;

    function inUse() {
      if (target && target.value) {
        return modules.filter(function (m) { return m === targetModules[target.value]; });
      }
      return modules;
    }

    function show(sizes) {
      output.textContent = "";
      sizes.forEach(function (size) {
        var line = document.createElement("p");
        line.textContent = size.summary;
        if (size.problem) {
          line.className = "na-warn";
          line.title = size.problem;
        }
        output.appendChild(line);
      });
    }

    function ask() {
      var data = new FormData();
      ["title", "body", "extra", "accept_long_sms", "csrfmiddlewaretoken"].forEach(
        function (name) {
          var input = form.elements[name];
          if (input && (input.type !== "checkbox" || input.checked)) {
            data.append(name, input.value);
          }
        });
      data.append("modules", inUse().join(","));
      var mine = ++asked;
      fetch(body.dataset.naMeasureUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": data.get("csrfmiddlewaretoken") || ""}
      }).then(function (response) {
        return response.ok ? response.json() : {sizes: []};
      }).then(function (answer) {
        if (mine === asked) { show(answer.sizes || []); }
      }).catch(function () { /* the form still counts when it is sent */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    }
    ["title", "body", "extra", "target", "accept_long_sms"].forEach(function (name) {
      var input = form.elements[name];
      if (input) {
        input.addEventListener("input", later);
        input.addEventListener("change", later);
      }
    });
    ask();
  }

  function ready() {
    document.querySelectorAll("textarea[data-na-counter]").forEach(start);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
