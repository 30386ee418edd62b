// Typing right after opening a searchable dropdown searches (issue 17, item 11). Dash 4's dropdown
// moves the focus to the selected option when its menu opens, so the letters typed next went to
// that option and the placeholder's "Type to search…" was not true. A printable key pressed while an
// option of an open menu has the focus is moved into the menu's search box (the way React sees a
// typed value: the native value setter, then an "input" event), so the server-side search runs.
// Space still selects the focused option; keys with Ctrl/Alt/Meta are left alone.
(function () {
  var setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key.length !== 1 || event.key === " " || event.ctrlKey || event.altKey || event.metaKey) {
        return;
      }
      var target = event.target;
      if (!(target instanceof Element) || target.matches("input.dash-dropdown-search")) {
        return;
      }
      var menu = target.closest(".dash-dropdown-content");
      var search = menu && menu.querySelector("input.dash-dropdown-search");
      if (!search) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      search.focus();
      setValue.call(search, search.value + event.key);
      search.dispatchEvent(new Event("input", { bubbles: true }));
    },
    true
  );
})();
