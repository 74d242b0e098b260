/* Mirador de Obras: the explorer's charts are drawn after the map, each once it comes near
 * the screen.
 *
 * On a phone the four charts sit below the map, and drawing them (Plotly lays out and
 * measures every label) took a second of the main thread while the map was being drawn.
 * Each chart's figure waits in a store (dashboard/pages/explorer.py). `watch`, run when the
 * page mounts, waits until MapLibre has drawn the map (or LIMIT_MS went by: a map that cannot
 * draw does not hold the charts back), then keeps in the store `explorar-charts-near` the
 * charts within half a screen of the viewport, adding one per idle moment so that no two
 * charts are drawn in one long task. `draw` gives each chart in that list its figure when
 * the one it shows differs; a new view's figures reach the others when they come near.
 */
(function () {
  'use strict';
  var LIMIT_MS = 30000;
  var AHEAD = '50% 0px';
  var generation = 0;   // a new page's watch ends the previous one's

  function mapDrawn() {
    var graph = document.querySelector('#explorar-map .js-plotly-plot');
    var sub = graph && graph._fullLayout && graph._fullLayout.map &&
      graph._fullLayout.map._subplot;
    return Boolean(sub && sub.map && sub.map.loaded());
  }

  function whenIdle(fn) {
    if (window.requestIdleCallback) { window.requestIdleCallback(fn, {timeout: 300}); }
    else { setTimeout(fn, 50); }
  }

  function watch(storeId) {
    var mine = ++generation;
    var begun = Date.now();
    var near = {};        // chart id -> within AHEAD of the viewport
    var told = [];        // the store's list
    var sections = [];
    var pending = false;

    function alive() {
      return mine === generation && sections.some(function (s) { return s.isConnected; });
    }

    function step() {
      pending = false;
      if (!alive()) { return; }
      var kept = told.filter(function (id) { return near[id]; });
      var next = sections.map(function (s) { return s.getAttribute('data-chart'); })
        .filter(function (id) { return near[id] && kept.indexOf(id) < 0; })[0];
      if (next) { kept.push(next); }
      if (next || kept.length !== told.length) {
        told = kept;
        window.dash_clientside.set_props(storeId, {data: told.slice()});
      }
      if (next) { schedule(); }
    }

    function schedule() {
      if (!pending) { pending = true; whenIdle(step); }
    }

    function start() {
      // The app's charts: a section whose Graph it names is inside it (a copy of the page,
      // as the first paint's preview, has the sections but not the Graphs' ids).
      sections = Array.prototype.filter.call(document.querySelectorAll('[data-chart]'),
        function (s) { return s.querySelector('#' + CSS.escape(s.getAttribute('data-chart'))); });
      if (!('IntersectionObserver' in window)) {
        sections.forEach(function (s) { near[s.getAttribute('data-chart')] = true; });
        schedule();
        return;
      }
      var observer = new IntersectionObserver(function (entries) {
        if (mine !== generation) { observer.disconnect(); return; }
        entries.forEach(function (e) {
          near[e.target.getAttribute('data-chart')] = e.isIntersecting;
        });
        // A chart that left is dropped at once (a new view must not reach it); those that
        // came near are added one per idle moment.
        if (entries.some(function (e) { return !e.isIntersecting; })) { step(); }
        schedule();
      }, {rootMargin: AHEAD});
      sections.forEach(function (s) { observer.observe(s); });
    }

    (function wait() {
      if (mine !== generation) { return; }
      var drawn;
      try { drawn = mapDrawn(); } catch (e) { drawn = true; }
      if (drawn || Date.now() - begun > LIMIT_MS) { start(); } else { setTimeout(wait, 100); }
    })();
    return window.dash_clientside.no_update;
  }

  // (near, figure of each chart..., figure each Graph shows...) -> each Graph's figure.
  function draw(near) {
    var count = (arguments.length - 1) / 2;
    var figures = Array.prototype.slice.call(arguments, 1, 1 + count);
    var shown = Array.prototype.slice.call(arguments, 1 + count);
    var outputs = window.dash_clientside.callback_context.outputs_list;
    return outputs.map(function (output, i) {
      var due = (near || []).indexOf(output.id) >= 0 && figures[i] &&
        JSON.stringify(figures[i]) !== JSON.stringify(shown[i]);
      return due ? figures[i] : window.dash_clientside.no_update;
    });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.mirador_charts = {watch: watch, draw: draw};
})();
