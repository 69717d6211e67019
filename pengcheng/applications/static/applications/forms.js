// Move focus to the error summary after a failed submission, so screen-reader and keyboard users
// land on the list of problems. The form itself relies on the browser's constraint validation.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
