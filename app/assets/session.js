// When the session has expired, Dash callbacks answer 401: send the user back to the login page
// (with the current view as "next") instead of leaving silently dead controls.
(function () {
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      var url = response.url || "";
      if ((response.status === 401 || response.status === 403) && url.indexOf("/_dash-") !== -1) {
        response.clone().json().then(function (body) {
          var target = body && (body.login_url || body.url);
          if (target) {
            var next = encodeURIComponent(window.location.pathname + window.location.search);
            window.location.assign(target + (target.indexOf("?") === -1 ? "?" : "&") + "next=" + next);
          }
        }).catch(function () {});
      }
      return response;
    });
  };
})();
