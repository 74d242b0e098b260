// The explorer's first paint (dashboard/preview.py) stays on screen while the Dash app builds
// the same page hidden behind it; once the app's map has drawn (or the app shows a page
// without a map, or 30 s have gone by) the app takes its place.
(function () {
  'use strict';
  var LIMIT_MS = 30000;
  var start = Date.now();

  function mapDrawn() {
    var graph = document.querySelector('#explorar-map .js-plotly-plot');
    var sub = graph && graph._fullLayout && graph._fullLayout.map && graph._fullLayout.map._subplot;
    return Boolean(sub && sub.map && sub.map.loaded());
  }

  function pageWithoutMap() {
    var content = document.getElementById('_pages_content');
    return Boolean(content && content.children.length && !document.getElementById('explorar-map'));
  }

  function swap(timer) {
    clearInterval(timer);
    var preview = document.getElementById('vista-previa');
    if (preview) { preview.remove(); }
    var app = document.getElementById('react-entry-point');
    if (app) { app.classList.remove('preview-behind'); }
  }

  if (!document.getElementById('vista-previa')) { return; }
  var timer = setInterval(function () {
    try {
      if (mapDrawn() || pageWithoutMap() || Date.now() - start > LIMIT_MS) { swap(timer); }
    } catch (e) {
      swap(timer);
    }
  }, 100);
})();
