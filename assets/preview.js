// A page's first paint (dashboard/preview.py) stays on screen while the Dash app builds the
// same page hidden behind it. The moment the app's page is there (a MutationObserver: before
// anyone can reach the hidden page) the app takes its place; a map the preview drew as SVG
// (the explorer's) stays over the app's map box, as a picture, until the app's map has drawn
// (data-wait names the maps), or for 30 s at most.
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
    var map = sub && sub.map;
    if (!map || !map.loaded()) { return false; }
    // Loaded is not painted: the style loads before Plotly adds the areas.
    var fills = map.getStyle().layers.filter(function (l) { return l.type === 'fill'; })
      .map(function (l) { return l.id; });
    return fills.length > 0 && map.queryRenderedFeatures({layers: fills}).length > 0;
  }

  function pageThere() {
    var content = document.getElementById('_pages_content');
    return Boolean(content && content.children.length);
  }

  // The preview's map, laid over the app's map box while that one is drawn.
  function overlay() {
    var id = waits.filter(function (w) { return !drawn(w); })[0];
    var drawing = preview.querySelector('.preview-map');
    if (!id || !drawing) { return; }
    var box = drawing.parentNode;
    var layer = document.createElement('div');
    layer.className = 'preview-overlay';
    // A picture of the map while the app's own draws, nothing to reach: out of the tab order
    // and of the accessibility tree (the app's page, with its map table, is there now),
    // and clicks go through to the app's map.
    layer.inert = true;
    layer.setAttribute('aria-hidden', 'true');
    while (box.firstChild) { layer.appendChild(box.firstChild); }
    document.body.appendChild(layer);
    function place() {
      var target = document.getElementById(id);
      var rect = target && target.getBoundingClientRect();
      if (!rect || drawn(id) || Date.now() - start > LIMIT_MS) {
        clearInterval(timer);
        layer.remove();
        return;
      }
      layer.style.top = (rect.top + window.scrollY) + 'px';
      layer.style.left = (rect.left + window.scrollX) + 'px';
      layer.style.width = rect.width + 'px';
      layer.style.height = rect.height + 'px';
    }
    var timer = setInterval(place, 100);
    place();
  }

  function swap() {
    observer.disconnect();
    clearTimeout(limit);
    try { overlay(); } catch (e) { /* the app's map shows as it draws */ }
    preview.remove();
    var app = document.getElementById('react-entry-point');
    if (app) { app.classList.remove('preview-behind'); }
  }

  var observer = new MutationObserver(function () { if (pageThere()) { swap(); } });
  observer.observe(document.getElementById('react-entry-point') || document.body,
                   {childList: true, subtree: true});
  var limit = setTimeout(swap, LIMIT_MS);
})();
