/* Compose notification: live SMS and push sizes under the body, as the form
   counts them when it is sent (notify_admin/admin/compose.py). Plain
   JavaScript, no build step, no inline script (the console's CSP forbids
   it): the figures it needs come in data-na-* attributes of the body. */
"use strict";
(function () {
  function utf8Bytes(text) {
    return new TextEncoder().encode(text).length;
  }

  // JSON as Python's json.dumps(ensure_ascii=False) writes it (", ", ": ").
  function pythonJson(value) {
    if (Array.isArray(value)) {
      return "[" + value.map(pythonJson).join(", ") + "]";
    }
    if (value !== null && typeof value === "object") {
      return "{" + Object.keys(value).map(function (key) {
        return JSON.stringify(key) + ": " + pythonJson(value[key]);
      }).join(", ") + "}";
    }
    return JSON.stringify(value);
  }

  function smsSize(body, basic, extension) {
    var septets = 0, gsm = true, units = 0;
    for (var i = 0; i < body.length; i++) {
      var ch = body[i];
      if (basic.indexOf(ch) !== -1) { septets += 1; }
      else if (extension.indexOf(ch) !== -1) { septets += 2; }
      else { gsm = false; }
      units += 1;  // UTF-16 code units, as UCS-2 counts them
    }
    var characters = Array.from(body).length;
    if (gsm) {
      return {encoding: "GSM-7", characters: characters,
              segments: septets <= 160 ? 1 : Math.ceil(septets / 153)};
    }
    return {encoding: "UCS-2", characters: characters,
            segments: units <= 70 ? 1 : Math.ceil(units / 67)};
  }

  function pushSize(base, options, title, body, extraText) {
    var size = base + utf8Bytes(JSON.stringify(title)) - 2 +
      utf8Bytes(JSON.stringify(body)) - 2;
    var extra = {};
    try { extra = JSON.parse(extraText || "{}"); } catch (err) { extra = {}; }
    if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
      extra = {};
    }
    options.forEach(function (key) {
      if (Object.prototype.hasOwnProperty.call(extra, key)) {
        size += utf8Bytes(", " + JSON.stringify(key) + ": " + pythonJson(extra[key]));
      }
    });
    return size;
  }

  function start(bodyInput) {
    var data = bodyInput.dataset;
    var form = bodyInput.form;
    var title = form.querySelector("[name=title]");
    var extra = form.querySelector("[name=extra]");
    var target = form.querySelector("select[name=target]");
    var targetModules = JSON.parse(data.naTargetModules || "{}");
    var modules = (data.naModules || "").split(",").filter(Boolean);
    var output = document.createElement("div");
    output.className = "help na-live-sizes";
    output.id = "na-live-sizes";
    output.setAttribute("aria-live", "polite");
    // Under the field, where Django puts its help text.
    var row = bodyInput.closest(".flex-container") || bodyInput;
    row.insertAdjacentElement("afterend", output);

    function update() {
      var inUse = modules;
      if (target && target.value) {
        inUse = modules.filter(function (m) { return m === targetModules[target.value]; });
      }
      var lines = [];
      if (inUse.indexOf("twilio") !== -1) {
        var sms = smsSize(bodyInput.value, data.naGsmBasic, data.naGsmExtension);
        lines.push({text: data.naSmsText
          .replace("{characters}", sms.characters)
          .replace("{encoding}", sms.encoding)
          .replace("{segments}", sms.segments),
          warn: sms.segments > 1});
      }
      if (inUse.indexOf("expo") !== -1) {
        var size = pushSize(Number(data.naPushBase), data.naPushOptions.split(","),
          title ? title.value : "", bodyInput.value, extra ? extra.value : "");
        var limit = Number(data.naPushLimit);
        lines.push({text: data.naPushText.replace("{size}", size).replace("{limit}", limit),
          warn: size > limit});
      }
      output.textContent = "";
      lines.forEach(function (line) {
        var p = document.createElement("p");
        p.textContent = line.text;
        if (line.warn) { p.className = "na-warn"; }
        output.appendChild(p);
      });
    }
    [bodyInput, title, extra, target].forEach(function (input) {
      if (input) {
        input.addEventListener("input", update);
        input.addEventListener("change", update);
      }
    });
    update();
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
