// A page's first paint (dashboard/preview.py) stays on screen while the Dash app builds the
// same page hidden behind it; once the app's page is there, no callback is running and the
// maps the preview names (data-wait) have drawn, or after 30 s, the app takes its place.
(function () {
  'use strict';
  var LIMIT_MS = 30000;
  var start = Date.now();
  var preview = document.getElementById('vista-previa');
  if (!preview) { return; }
  var waits = (preview.getAttribute('data-wait') || '').split(' ').filter(Boolean);

  function drawn(id) {       // a map the page does not hold (an error page) is not waited for
    var box = document.getElementById(id);
    if (!box) { return true; }
    var graph = box.querySelector('.js-plotly-plot');
    var sub = graph && graph._fullLayout && graph._fullLayout.map && graph._fullLayout.map._subplot;
    return Boolean(sub && sub.map && sub.map.loaded());
  }

  function ready() {
    var content = document.getElementById('_pages_content');
    return Boolean(content && content.children.length)
      && !document.querySelector('[data-dash-is-loading="true"]')
      && waits.every(drawn);
  }

  var timer = setInterval(function () {
    var done;
    try { done = ready() || Date.now() - start > LIMIT_MS; } catch (e) { done = true; }
    if (!done) { return; }
    clearInterval(timer);
    preview.remove();
    var app = document.getElementById('react-entry-point');
    if (app) { app.classList.remove('preview-behind'); }
  }, 100);
})();
