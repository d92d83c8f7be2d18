// twinning's pages work without this script; it only adds conveniences:
// - the questionnaire saves an answer as soon as a level is chosen or the text changes;
// - the "Copy the link" button next to a newly created invitation link;
// - focus moves to an error summary, so screen readers announce what went wrong;
// - a one-off notice ("Saved.") leaves the address, so reloading does not show it again.
"use strict";

(function () {
  function autosave(form) {
    var status = document.getElementById("autosave-status");
    var timer = null;
    var pending = null;

    function save() {
      timer = null;
      if (!form.querySelector("input[name=level]:checked")) {
        return; // nothing chosen yet: the server would refuse a bare justification
      }
      var data = new FormData(form);
      data.set("go", "stay");
      pending = fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Autosave": "1" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (!status) { return; }
          status.textContent = answer.saved ? form.dataset.savedText : (answer.error || form.dataset.errorText);
          var bar = document.querySelector(".progress-block progress");
          if (answer.saved && bar) { bar.value = answer.answered; }
        })
        .catch(function () {
          if (status) { status.textContent = form.dataset.errorText; }
        });
    }

    function later(delay) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, delay);
    }

    form.addEventListener("change", function () { later(150); });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") { later(1200); }
    });
    form.addEventListener("submit", function () {
      if (timer) { clearTimeout(timer); timer = null; }
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      if (!field || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = button.dataset.copiedText || button.textContent;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
    copyButtons();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    var url = new URL(window.location.href);
    if (url.searchParams.has("notice") && window.history.replaceState) {
      url.searchParams.delete("notice");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  });
})();
