// Small browser-side tools of the forecast tabs, called by Dash clientside callbacks
// (ClientsideFunction: no inline script, so the Content-Security-Policy stays strict).
(function () {
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    trendsales: {
      // Download the main chart as PNG, drawn by Plotly in the browser (nothing leaves the machine).
      png: function (clicks, name) {
        var graph = document.querySelector("#forecast-graph .js-plotly-plot");
        if (clicks && graph && window.Plotly) {
          window.Plotly.downloadImage(graph, {format: "png", filename: name || "trendsales-forecast", scale: 2});
        }
        return window.dash_clientside.no_update;
      },
      // Copy the address of the current view (its filters are in the query string).
      copyLink: function (clicks, copiedText) {
        if (!clicks) { return window.dash_clientside.no_update; }
        var url = window.location.href;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).catch(function () {});
        } else {
          var field = document.createElement("textarea");
          field.value = url;
          field.setAttribute("readonly", "");
          field.style.position = "fixed";
          field.style.opacity = "0";
          document.body.appendChild(field);
          field.select();
          try { document.execCommand("copy"); } catch (e) { /* the address bar still has it */ }
          document.body.removeChild(field);
        }
        return copiedText;
      }
    }
  });

  // Dash's dropdown names itself by its value only: put the filter's visible label first, so a screen
  // reader says "Store, Loja Centro" (the label's group carries data-ts-label with the label's id).
  function labelControls(root) {
    root.querySelectorAll("[data-ts-label] button.dash-dropdown").forEach(function (button) {
      var label = button.closest("[data-ts-label]").getAttribute("data-ts-label");
      var wanted = label + " " + button.id + "-value";  // the label, then the shown value
      if (button.getAttribute("aria-labelledby") !== wanted) {
        button.setAttribute("aria-labelledby", wanted);
      }
    });
  }
  new MutationObserver(function () { labelControls(document); })
    .observe(document.documentElement, {childList: true, subtree: true});
})();
