// A button that copies the text of another element (data-copy-target) to the clipboard: the raw frame of a packet.
(function () {
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy-target]');
    if (!button) return;
    var source = document.querySelector(button.dataset.copyTarget);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent).then(function () {
      var label = button.innerHTML;
      button.textContent = button.dataset.copiedLabel || 'OK';
      setTimeout(function () { button.innerHTML = label; }, 1500);
    });
  });
})();
