// The alarm centre: the header checkbox selects or clears every alarm of the page that can be acknowledged.
// Delegated from the document, so it keeps working after htmx swaps the table in.
(function () {
  document.addEventListener('change', function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('[data-check-all]')) return;
    var form = box.closest('form');
    if (!form) return;
    form.querySelectorAll('input[type=checkbox][name="' + box.dataset.checkAll + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
