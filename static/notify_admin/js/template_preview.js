/* The live preview of a message template's change page.
 *
 * As staff type, the change form is posted (with its CSRF token) to the
 * preview endpoint, which answers {"html": panel, "errors": {field: [text]}}.
 * The panel is rendered by the server with every value escaped and the email
 * HTML in a sandboxed frame's srcdoc, so it is put in as it comes; error
 * messages are set as text. No inline script: the console's CSP allows only
 * files like this one.
 */
(function () {
  "use strict";

  var DELAY_MS = 300;

  function start() {
    var panel = document.getElementById("na-template-preview");
    if (!panel || !window.fetch || !window.FormData) {
      return;
    }
    var form = panel.closest("form");
    var url = panel.getAttribute("data-preview-url");
    if (!form || !url) {
      return;
    }
    var timer = null;
    var sent = 0;

    function showErrors(errors) {
      var old = form.querySelectorAll(".na-live-errors");
      for (var i = 0; i < old.length; i += 1) {
        old[i].parentNode.removeChild(old[i]);
      }
      Object.keys(errors).forEach(function (field) {
        var list = document.createElement("ul");
        list.className = "errorlist na-live-errors";
        errors[field].forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = message;
          list.appendChild(item);
        });
        var row = null;
        if (field !== "__all__") {
          row = form.querySelector(".field-" + field.replace(/[^a-z0-9_]/gi, ""));
        }
        (row || panel).insertBefore(list, (row || panel).firstChild);
      });
    }

    function refresh() {
      sent += 1;
      var mine = sent;
      panel.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || mine !== sent) {
            return;
          }
          panel.innerHTML = data.html;
          showErrors(data.errors || {});
          panel.setAttribute("data-refreshed", String(mine));
          panel.removeAttribute("aria-busy");
        })
        .catch(function () {
          panel.removeAttribute("aria-busy");
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
