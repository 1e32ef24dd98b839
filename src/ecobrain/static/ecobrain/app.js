// Page behaviour shared by every page: open the tab named in the URL hash (#tab-outlets), keep the hash
// in step with the open tab so a link or a reload returns to it.
(function () {
  function openTabFromHash() {
    if (!window.bootstrap || !location.hash) return;
    var button = document.querySelector('[data-bs-toggle="tab"][data-bs-target="' + location.hash + '"]');
    if (button) window.bootstrap.Tab.getOrCreateInstance(button).show();
  }
  document.addEventListener('DOMContentLoaded', function () {
    openTabFromHash();
    document.querySelectorAll('[data-bs-toggle="tab"]').forEach(function (button) {
      button.addEventListener('shown.bs.tab', function () {
        history.replaceState(null, '', button.getAttribute('data-bs-target'));
      });
    });
  });
  window.addEventListener('hashchange', openTabFromHash);
})();

// List filters (core/partials/filter_form.html): django-filter renders plain widgets; give them Bootstrap's small
// form classes.
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('.eb-filters select, .eb-filters input').forEach(function (el) {
    if (!el.classList.contains('form-control') && !el.classList.contains('form-select')) {
      el.classList.add(el.tagName === 'SELECT' ? 'form-select' : 'form-control');
    }
    el.classList.add(el.tagName === 'SELECT' ? 'form-select-sm' : 'form-control-sm');
  });
});
