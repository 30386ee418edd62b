// When the session has expired, Dash callbacks answer 401: send the user back to the login page
// (with the current view as "next") instead of leaving silently dead controls. When the page's CSRF
// token cookie is gone (400 with "reload"), reload the page: that re-issues the token (or logs in).
(function () {
  var RELOAD_KEY = "trendsales-csrf-reload";
  var leaving = false; // several callbacks are refused together: navigate away once, not once each
  function reloadOnce() {
    // At most one reload per 30 s: if cookies are blocked, a reload cannot help and must not loop.
    var last = Number(window.sessionStorage.getItem(RELOAD_KEY) || 0);
    if (!leaving && Date.now() - last > 30000) {
      leaving = true;
      window.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
      window.location.reload();
    }
  }
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      var url = response.url || "";
      var refused = [400, 401, 403].indexOf(response.status) !== -1;
      if (refused && url.indexOf("/_dash-") !== -1) {
        response.clone().json().then(function (body) {
          var target = body && (body.login_url || body.url);
          if (body && body.reload) {
            reloadOnce();
          } else if (target && !leaving) {
            leaving = true;
            var next = encodeURIComponent(window.location.pathname + window.location.search);
            window.location.assign(target + (target.indexOf("?") === -1 ? "?" : "&") + "next=" + next);
          }
        }).catch(function () {});
      }
      return response;
    });
  };
})();
