// AwoooP console behaviour: copy buttons, toast dismissal, auto-submitting selects.
// No inline handlers anywhere (the CSP forbids them); everything is delegated from document.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-HTTP consoles have no clipboard API: fall back to a hidden textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy refused"));
      } catch (err) {
        reject(err);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  function flash(button, label) {
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    button.textContent = label;
    button.classList.add("copied");
    window.setTimeout(function () {
      button.textContent = original;
      button.classList.remove("copied");
    }, 1400);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var copy = target.closest("[data-copy], [data-copy-from]");
    if (copy) {
      event.preventDefault();
      var text = copy.getAttribute("data-copy");
      var from = copy.getAttribute("data-copy-from");
      if (from) {
        var source = document.getElementById(from);
        text = source ? source.textContent : "";
      }
      copyText(text || "").then(
        function () { flash(copy, copy.getAttribute("data-copied") || "✓"); },
        function () { flash(copy, "✗"); }
      );
      return;
    }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var toast = dismiss.closest(".toast");
      if (toast) toast.remove();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });

  // Success toasts leave on their own; error toasts stay until dismissed.
  var observer = new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node instanceof Element && node.classList.contains("toast-ok")) {
          window.setTimeout(function () { node.remove(); }, 5000);
        }
      });
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var toasts = document.getElementById("toasts");
    if (toasts) observer.observe(toasts, { childList: true });
  });
})();
