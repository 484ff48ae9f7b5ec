// Progressive enhancement only: every page works without JavaScript.

// The menu on a phone (templates/base.html, app.css) is folded behind "Menu". Without JavaScript
// that control is a link to the menu, which opens it; here it becomes a button that opens and
// closes the menu and says whether it is open (aria-expanded). Escape closes the open menu and
// gives the focus back to the button.
(function () {
  var link = document.querySelector(".topbar a.menu-toggle");
  var menu = link && document.getElementById(link.getAttribute("aria-controls"));
  if (!menu) return;
  var header = link.closest(".topbar");
  var button = document.createElement("button");
  button.type = "button";
  button.className = link.className;
  button.textContent = link.textContent;
  button.setAttribute("aria-controls", menu.id);
  function setOpen(open) {
    header.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  setOpen(window.location.hash === "#" + menu.id);  // opened by the link before this script ran
  link.replaceWith(button);
  header.classList.add("menu-ready");
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      setOpen(false);
      button.focus();
    }
  });
})();
// Buttons with data-confirm ask before submitting their form.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// Keyboard shortcuts on the vetting lead page (listed on the page; the buttons stay the primary
// control): a key pressed outside any field clicks the button marked data-key="that key"; the
// element with id "next-lead" is N. A decision that needs a text (a reason, a question) first puts
// the cursor in the text field when it is empty. Keys typed in a field, or with Ctrl/Alt/Meta,
// are left alone.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) return;
  var key = (event.key || "").toLowerCase();
  if (key.length !== 1) return;
  if (key === "n") {
    var next = document.getElementById("next-lead");
    if (next) { event.preventDefault(); next.click(); }
    return;
  }
  var button = document.querySelector('button[data-key="' + key + '"]');
  if (!button) return;
  event.preventDefault();
  var text = button.form && button.form.querySelector("textarea");
  if (button.dataset.needsText && text && !text.value.trim()) {
    text.focus();
    text.setAttribute("placeholder", button.dataset.needsText);  // in the page's language (Action.text_needed)
    return;
  }
  button.click();
});

// The error summary of a refused form (templates/_forms.html): a link to a field puts the cursor in
// it and shows its label too (the browser would scroll the label out of view). The summary itself
// has autofocus; where a browser ignores autofocus on it, it is focused here.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
  if (!link) return;
  var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  if (!target) return;
  event.preventDefault();
  var label = document.querySelector('label[for="' + target.id + '"]');
  (label || target).scrollIntoView();
  // A list of check boxes (its id is on the list): the cursor goes to its first box.
  var control = target.matches("input, select, textarea") ? target : (target.querySelector("input, select, textarea") || target);
  control.focus({ preventScroll: true });
});
document.addEventListener("DOMContentLoaded", function () {
  var wanted = document.querySelector("[autofocus]");
  if (wanted && document.activeElement !== wanted && (!document.activeElement || document.activeElement === document.body)) {
    wanted.focus();
  }
});

// Tables on a phone (app.css, "Tables on a phone"). Every cell of a table with column headings is
// given its column's heading (data-label), and the table its roles, so that it stays a table to a
// screen reader whatever its CSS display. On a screen of 600 px or less, a table wider than its
// box is stacked (data-stacked): one block per row, each cell after its heading, so that no column
// is off-screen. A table that fits stays as it is. Without this script a wide table scrolls
// sideways inside its own box (.table-wrap), never the page.
(function () {
  var narrow = window.matchMedia("(max-width: 600px)");
  var tables = Array.prototype.filter.call(document.querySelectorAll("table"), function (table) {
    return table.tHead && table.tHead.rows.length;
  });
  if (!tables.length) return;
  var ROLES = { TABLE: "table", THEAD: "rowgroup", TBODY: "rowgroup", TFOOT: "rowgroup", TR: "row", TD: "cell" };
  function text(cell) {
    return cell.textContent.replace(/\s+/g, " ").trim();
  }
  function label(table) {
    var headingRow = table.tHead.rows[table.tHead.rows.length - 1];
    var headings = [];
    Array.prototype.forEach.call(headingRow.cells, function (th) {
      for (var i = 0; i < th.colSpan; i++) headings.push(th.colSpan === 1 ? text(th) : "");
    });
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot"), function (group) {
      group.setAttribute("role", ROLES[group.tagName]);
      Array.prototype.forEach.call(group.rows, function (row) {
        row.setAttribute("role", "row");
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.tagName === "TH") {
            cell.setAttribute("role", group.tagName === "THEAD" || cell.scope === "col" ? "columnheader" : "rowheader");
          } else {
            cell.setAttribute("role", ROLES.TD);
            if (cell.colSpan === 1 && headings[column]) cell.setAttribute("data-label", headings[column]);
          }
          column += cell.colSpan;
        });
      });
    });
  }
  function fit() {
    tables.forEach(function (table) { table.removeAttribute("data-stacked"); });
    if (!narrow.matches) return;
    // Measured all at once as tables, then stacked: one layout, not one per table.
    var wide = tables.filter(function (table) {
      var box = table.parentElement;
      return table.offsetWidth > 0 && table.offsetWidth > box.clientWidth + 1;
    });
    wide.forEach(function (table) { table.setAttribute("data-stacked", ""); });
  }
  tables.forEach(label);
  fit();
  var pending = false;
  function refit() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fit(); });
  }
  window.addEventListener("resize", refit);
  // A table in a closed <details> has no width until it is opened.
  document.addEventListener("toggle", refit, true);
})();
