// Progressive enhancement only: every page works without JavaScript.
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
    text.setAttribute("placeholder", "Give a " + button.dataset.needsText + ", then press the button");
    return;
  }
  button.click();
});
