// Live notifications on every page of a signed-in user: the navbar's unread badge follows the server-sent event
// stream /notifications/stream/, and each new notification shows as a Bootstrap toast. The last event id is kept in
// sessionStorage, so the next page's stream starts where this one stopped (no toast is shown twice or skipped).
(function () {
  'use strict';
  var badge = document.getElementById('eb-unread-badge');
  if (!badge || !window.EventSource) return;
  var STORAGE_KEY = 'ecobrain.notifications.lastEventId';
  var url = badge.getAttribute('data-stream-url');

  function remember(id) {
    if (!id) return;
    try { window.sessionStorage.setItem(STORAGE_KEY, id); } catch (e) { /* private mode: no memory */ }
  }
  function recalled() {
    try { return window.sessionStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }

  function setUnread(count, capped) {
    var label = capped || count > 99 ? '99+' : String(count);
    badge.textContent = label;
    badge.classList.toggle('d-none', count === 0);
    document.querySelectorAll('[data-unread-count]').forEach(function (el) { el.textContent = label; });
  }

  var SEVERITY_CLASSES = { 1: 'text-bg-secondary', 2: 'text-bg-info', 3: 'text-bg-warning', 4: 'text-bg-danger' };

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;  // text only: a notification's words are never parsed as HTML
    return el;
  }

  function showToast(n) {
    var container = document.getElementById('eb-toasts');
    if (!container || !window.bootstrap) return;
    var toast = element('div', 'toast');
    toast.setAttribute('role', n.severity >= 3 ? 'alert' : 'status');
    var header = element('div', 'toast-header');
    header.appendChild(element('span', 'badge me-2 ' + (SEVERITY_CLASSES[n.severity] || 'text-bg-secondary'), n.severity_display));
    header.appendChild(element('strong', 'me-auto', n.kind_display));
    var close = element('button', 'btn-close');
    close.type = 'button';
    close.setAttribute('data-bs-dismiss', 'toast');
    close.setAttribute('aria-label', badge.getAttribute('data-label-close') || 'Close');
    header.appendChild(close);
    var body = element('div', 'toast-body');
    var link = element('a', 'fw-semibold d-block', n.title);
    link.href = n.open_url;
    body.appendChild(link);
    if (n.body) body.appendChild(element('div', 'small text-body-secondary mt-1', n.body.length > 140 ? n.body.slice(0, 139) + '…' : n.body));
    toast.appendChild(header);
    toast.appendChild(body);
    container.appendChild(toast);
    toast.addEventListener('hidden.bs.toast', function () { toast.remove(); });
    window.bootstrap.Toast.getOrCreateInstance(toast, { delay: n.severity >= 3 ? 15000 : 8000 }).show();
  }

  var last = recalled();
  var source = new EventSource(last ? url + '?last=' + encodeURIComponent(last) : url);
  source.addEventListener('unread', function (event) {
    var data = JSON.parse(event.data);
    setUnread(data.unread, data.capped);
    remember(event.lastEventId);
  });
  source.addEventListener('notification', function (event) {
    showToast(JSON.parse(event.data));
    var stale = document.getElementById('eb-inbox-new');  // the inbox page: offer to reload its list
    if (stale) stale.classList.remove('d-none');
    remember(event.lastEventId);
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();
