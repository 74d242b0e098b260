// Plotly.js with what Mirador draws, nothing else: plotly.js's own src/core.js (3.7.0) with
// only the components Mirador's figures use, then the trace types of layers/*.py.
// tests/test_plotly_bundle.py fails when a figure uses a trace type or a layout component
// that this list lacks. Left out: annotations3d, images, updatemenus, sliders, rangeslider,
// rangeselector, errorbars (about 20 KiB of gzip); `scatter` comes with the core.
'use strict';

exports.version = require('plotly.js/src/version').version;
require('native-promise-only');
require('plotly.js/build/plotcss');

var Registry = require('plotly.js/src/registry');
var register = exports.register = Registry.register;

var plotApi = require('plotly.js/src/plot_api');
Object.keys(plotApi).forEach(function(name) {
    if(name.charAt(0) !== '_') exports[name] = plotApi[name];
    register({moduleType: 'apiMethod', name: name, fn: plotApi[name]});
});

register(require('plotly.js/src/traces/scatter'));
register([
    require('plotly.js/src/components/annotations'),
    require('plotly.js/src/components/selections'),
    require('plotly.js/src/components/shapes'),
    require('plotly.js/src/components/grid'),
    require('plotly.js/src/components/colorscale'),
    require('plotly.js/src/components/colorbar'),
    require('plotly.js/src/components/legend'),  // after shapes (its defaults read them)
    require('plotly.js/src/components/fx'),      // after legend (unified hover reads it)
    require('plotly.js/src/components/modebar'),
]);
register([require('plotly.js/src/locale-en'), require('plotly.js/src/locale-en-us')]);

exports.Icons = require('plotly.js/src/fonts/ploticon');
var Fx = require('plotly.js/src/components/fx');
var Plots = require('plotly.js/src/plots/plots');
exports.Plots = {resize: Plots.resize, graphJson: Plots.graphJson,
                 sendDataToCloud: Plots.sendDataToCloud};
exports.Fx = {hover: Fx.hover, unhover: Fx.unhover, loneHover: Fx.loneHover,
              loneUnhover: Fx.loneUnhover};
exports.Snapshot = require('plotly.js/src/snapshot');

// A street basemap's tile that does not load (tile server down, phone offline) must not stop
// the map. plotly.js rejects a map's drawing on any MapLibre error, tile errors included; the
// rejected promise then stops dcc.Graph's queue of updates, so the explorer's map never got
// its values. Errors of a source (a tile or a GeoJSON that failed: MapLibre draws the rest)
// are let pass; any other error still fails the drawing, as plotly.js does.
var MapSubplot = require('plotly.js/src/plots/map/map');
var mapConstants = require('plotly.js/src/plots/map/constants');
var MAP_ERRORS = ['error', 'style.error', 'source.error', 'tile.error', 'layer.error'];
MapSubplot.prototype.rejectOnError = function(reject) {
    var map = this.map;
    function handler(e) {
        if(e && e.sourceId) return;
        MAP_ERRORS.forEach(function(name) { map.off(name, handler); });
        reject(new Error(mapConstants.mapOnErrorMsg));
    }
    MAP_ERRORS.forEach(function(name) { map.on(name, handler); });
};
exports.PlotSchema = require('plotly.js/src/plot_api/plot_schema');

// The trace types (each brings its base plot: cartesian, map).
register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/waterfall'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
]);
