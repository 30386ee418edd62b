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
      // Admin sub-tabs: select the clicked tab, show its panel, hide the others.
      adminTab: function () {
        var tabs = ["admin-tab-data", "admin-tab-models", "admin-tab-users", "admin-tab-audit"];
        var ctx = window.dash_clientside.callback_context;
        var clicked = ctx.triggered.length ? ctx.triggered[0].prop_id.split(".")[0] : tabs[0];
        var chosen = tabs.map(function (tab) { return tab === clicked; });
        return [].concat(
          chosen.map(function (on) { return on ? "nav-link active" : "nav-link"; }),
          chosen.map(function (on) { return on ? "true" : "false"; }),
          chosen.map(function (on) { return !on; })
        );
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
  // Dash's dropdown also keeps an aria-hidden input in the tab order that forwards focus to its button:
  // take the input out of the tab order and put the (labelled) button in it instead.
  function focusButtons(root) {
    root.querySelectorAll("button.dash-dropdown").forEach(function (button) {
      var proxy = button.previousElementSibling;
      if (proxy && proxy.classList.contains("dash-dropdown-focus-target") && proxy.tabIndex !== -1) {
        proxy.tabIndex = -1;
      }
      if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
    });
  }
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("button.dash-dropdown")) {
      window.setTimeout(function () { focusButtons(document); }, 0);
    }
  }, true);
  // dcc.Upload's file input has no label of its own: name it after its drop zone's text.
  function labelUploads(root) {
    root.querySelectorAll("[data-ts-upload] input[type=file]:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", input.closest("[data-ts-upload]").getAttribute("data-ts-upload"));
    });
  }
  // dbc.Progress draws its bar without a name: name it after its data-ts-label.
  function labelProgress(root) {
    root.querySelectorAll("[data-ts-progress] [role=progressbar]:not([aria-label])").forEach(function (bar) {
      bar.setAttribute("aria-label", bar.closest("[data-ts-progress]").getAttribute("data-ts-progress"));
    });
  }
  new MutationObserver(function () {
    labelControls(document); focusButtons(document); labelUploads(document); labelProgress(document);
  })
    .observe(document.documentElement, {childList: true, subtree: true});
})();
